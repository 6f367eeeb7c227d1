#include "diffusion/noise_schedule.h"

#include <algorithm>
#include <cmath>

#include "edgewm/error.h"

namespace edgewm::diffusion {

Prediction prediction_from_name(const std::string& name) {
  if (name == "epsilon") return Prediction::kEpsilon;
  if (name == "v_prediction" || name == "v") return Prediction::kV;
  if (name == "sample" || name == "x0") return Prediction::kSample;
  throw Error(ErrorKind::kInvalidArgument, "unknown prediction type '" + name + "' (epsilon, v_prediction, sample)");
}

std::vector<float> alphas_cumprod(const BetaSchedule& s) {
  const int n = s.num_train_timesteps;
  if (n < 2 || n > 100000) throw Error(ErrorKind::kInvalidArgument, "num_train_timesteps out of range");
  std::vector<float> betas(static_cast<size_t>(n));
  if (s.kind == "linear" || s.kind == "scaled_linear") {
    const bool sq = s.kind == "scaled_linear";
    const double a = sq ? std::sqrt(s.beta_start) : s.beta_start, b = sq ? std::sqrt(s.beta_end) : s.beta_end;
    for (int i = 0; i < n; ++i) {
      const float v = static_cast<float>(a + (b - a) * i / (n - 1));
      betas[i] = sq ? v * v : v;
    }
  } else if (s.kind == "squaredcos_cap_v2") {
    auto alpha_bar = [](double t) {
      const double c = std::cos((t + 0.008) / 1.008 * M_PI / 2);
      return c * c;
    };
    for (int i = 0; i < n; ++i)
      betas[i] = static_cast<float>(std::min(1 - alpha_bar((i + 1.0) / n) / alpha_bar(static_cast<double>(i) / n), 0.999));
  } else {
    throw Error(ErrorKind::kInvalidArgument,
                "unknown beta schedule '" + s.kind + "' (linear, scaled_linear, squaredcos_cap_v2)");
  }
  // Betas outside (0, 1) (a beta_end of 1.02, a NaN) make alphas_cumprod negative or NaN, and
  // every sigma and timestep after it; a product that underflows to 0 makes sigma infinite.
  for (size_t i = 0; i < betas.size(); ++i)
    if (!(betas[i] >= 0.f && betas[i] < 1.f && betas.back() > 0.f))
      throw Error(ErrorKind::kInvalidArgument,
                  "beta schedule '" + s.kind + "' (beta_start " + std::to_string(s.beta_start) + ", beta_end " +
                      std::to_string(s.beta_end) + ") gives beta " + std::to_string(betas[i]) + " at timestep " +
                      std::to_string(i) + ": betas must lie in [0, 1), the last above 0");
  std::vector<float> out(betas.size());
  float prod = 1.f;
  for (size_t i = 0; i < betas.size(); ++i) out[i] = prod *= 1.f - betas[i];
  const float last = out.back();  // the smallest; its sigma sqrt((1 - a) / a) must be a float
  if (!(last > 0.f) || !std::isfinite((1.f - last) / last))
    throw Error(ErrorKind::kInvalidArgument, "beta schedule '" + s.kind + "' drives alphas_cumprod to 0 by timestep " +
                                                 std::to_string(out.size() - 1) + ": no finite noise level there");
  return out;
}

std::vector<float> train_sigmas(const std::vector<float>& ac) {
  std::vector<float> s(ac.size());
  for (size_t i = 0; i < ac.size(); ++i) s[i] = std::sqrt((1.f - ac[i]) / ac[i]);
  return s;
}

std::vector<double> spaced_timesteps(const std::string& spacing, int t_count, int steps) {
  if (steps < 1 || steps > t_count)
    throw Error(ErrorKind::kInvalidArgument, "sampler steps must be in 1.." + std::to_string(t_count) + ", got " +
                                                 std::to_string(steps));
  std::vector<double> t;
  if (spacing == "leading") {
    const int64_t ratio = t_count / steps;
    for (int i = steps - 1; i >= 0; --i) t.push_back(static_cast<double>(i * ratio));
  } else if (spacing == "linspace") {
    // numpy linspace in float64, stored as float32 timesteps.
    for (int i = steps - 1; i >= 0; --i)
      t.push_back(static_cast<float>(steps == 1 ? 0.0 : (t_count - 1.0) * i / (steps - 1)));
  } else if (spacing == "trailing") {
    const double ratio = static_cast<double>(t_count) / steps;
    for (int i = 0; i < steps; ++i) t.push_back(std::nearbyint(t_count - i * ratio) - 1);  // numpy rounds half to even
  } else {
    throw Error(ErrorKind::kInvalidArgument, "unknown timestep spacing '" + spacing + "' (leading, linspace, trailing)");
  }
  return t;
}

double sigma_to_timestep(double sigma, const std::vector<float>& table) {
  // diffusers' _sigma_to_t: float32 log table, linear interpolation between the bracketing entries.
  const double log_sigma = std::log(std::max(sigma, 1e-10));
  const size_t n = table.size();
  size_t low = 0;
  for (size_t i = 0; i < n; ++i)
    if (log_sigma - static_cast<float>(std::log(static_cast<double>(table[i]))) >= 0) low = i;
  low = std::min(low, n - 2);
  const float lo = static_cast<float>(std::log(static_cast<double>(table[low])));
  const float hi = static_cast<float>(std::log(static_cast<double>(table[low + 1])));
  const double w = std::clamp((lo - log_sigma) / static_cast<double>(lo - hi), 0.0, 1.0);
  return (1 - w) * static_cast<double>(low) + w * static_cast<double>(low + 1);
}

std::vector<double> karras_levels(int steps, double sigma_min, double sigma_max, double rho) {
  if (steps < 1) throw Error(ErrorKind::kInvalidArgument, "sampler needs at least 1 step, got " + std::to_string(steps));
  if (!(sigma_min > 0) || !(sigma_max > sigma_min) || !(rho > 0))
    throw Error(ErrorKind::kInvalidArgument, "Karras noise levels need 0 < sigma_min < sigma_max and rho > 0");
  std::vector<double> out(static_cast<size_t>(steps));
  const double lo = std::pow(sigma_min, 1 / rho), hi = std::pow(sigma_max, 1 / rho);
  for (int i = 0; i < steps; ++i) {
    const double ramp = steps == 1 ? 0.0 : static_cast<double>(i) / (steps - 1);
    out[static_cast<size_t>(i)] = std::pow(hi + ramp * (lo - hi), rho);
  }
  return out;
}

}  // namespace edgewm::diffusion
