#include "diffusion/discrete.h"

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
  std::vector<float> out(betas.size());
  float prod = 1.f;
  for (size_t i = 0; i < betas.size(); ++i) out[i] = prod *= 1.f - betas[i];
  return out;
}

DiscreteSampler::DiscreteSampler(const BetaSchedule& s, int steps) : schedule_(s), steps_(steps) {
  if (steps < 1 || steps > s.num_train_timesteps)
    throw Error(ErrorKind::kInvalidArgument, "sampler steps must be in 1.." + std::to_string(s.num_train_timesteps) +
                                                 ", got " + std::to_string(steps));
  alphas_ = alphas_cumprod(s);
  // "leading" spacing: 0, r, 2r... (r = T // steps), newest first.
  const int64_t ratio = s.num_train_timesteps / steps;
  for (int i = steps - 1; i >= 0; --i) timesteps_.push_back(i * ratio);
}

double DiscreteSampler::to_x0(double out, double x, double a) const {
  double x0 = 0;
  switch (schedule_.prediction) {
    case Prediction::kEpsilon: x0 = (x - std::sqrt(1 - a) * out) / std::sqrt(a); break;
    case Prediction::kV: x0 = std::sqrt(a) * x - std::sqrt(1 - a) * out; break;
    case Prediction::kSample: x0 = out; break;
  }
  return schedule_.clip_sample ? std::clamp(x0, -schedule_.clip_range, schedule_.clip_range) : x0;
}

double DiscreteSampler::to_eps(double out, double x, double a) const {
  switch (schedule_.prediction) {
    case Prediction::kEpsilon: return out;
    case Prediction::kV: return std::sqrt(a) * out + std::sqrt(1 - a) * x;
    case Prediction::kSample: return (x - std::sqrt(a) * out) / std::sqrt(1 - a);
  }
  return out;
}

void DiscreteSampler::predict_x0(size_t i, std::span<const float> out, std::span<const float> x, std::span<float> x0) const {
  const double a = alpha(timesteps_.at(i));
  for (size_t k = 0; k < x.size(); ++k) x0[k] = static_cast<float>(to_x0(out[k], x[k], a));
}

namespace {

void check_sizes(std::span<const float> out, std::span<float> x, std::span<const float> noise, bool needs_noise) {
  if (out.size() != x.size()) throw Error(ErrorKind::kInvalidArgument, "sampler: model output and sample sizes differ");
  if (needs_noise && noise.size() != x.size())
    throw Error(ErrorKind::kInvalidArgument, "sampler: this step needs noise of the sample's size");
}

class Ddpm : public DiscreteSampler {
 public:
  Ddpm(const BetaSchedule& s, int steps) : DiscreteSampler(s, steps) {}
  bool needs_noise(size_t i) const override { return timesteps_.at(i) > 0; }
  void step(size_t i, std::span<const float> out, std::span<float> x, std::span<const float> noise) const override {
    check_sizes(out, x, noise, needs_noise(i));
    const int64_t t = timesteps_.at(i);
    const double a = alpha(t), a_prev = alpha(prev_timestep(i));
    const double cur_alpha = a / a_prev, cur_beta = 1 - cur_alpha;
    const double c_x0 = std::sqrt(a_prev) * cur_beta / (1 - a), c_x = std::sqrt(cur_alpha) * (1 - a_prev) / (1 - a);
    const double sd = t > 0 ? std::sqrt(std::max((1 - a_prev) / (1 - a) * cur_beta, 1e-20)) : 0.0;
    for (size_t k = 0; k < x.size(); ++k) {
      double v = c_x0 * to_x0(out[k], x[k], a) + c_x * x[k];
      if (t > 0) v += sd * noise[k];
      x[k] = static_cast<float>(v);
    }
  }
};

class Ddim : public DiscreteSampler {
 public:
  Ddim(const BetaSchedule& s, int steps, double eta) : DiscreteSampler(s, steps), eta_(eta) {
    if (!(eta >= 0 && eta <= 1)) throw Error(ErrorKind::kInvalidArgument, "DDIM eta must be in [0, 1]");
  }
  bool needs_noise(size_t) const override { return eta_ > 0; }
  void step(size_t i, std::span<const float> out, std::span<float> x, std::span<const float> noise) const override {
    check_sizes(out, x, noise, needs_noise(i));
    const double a = alpha(timesteps_.at(i)), a_prev = alpha(prev_timestep(i));
    const double variance = (1 - a_prev) / (1 - a) * (1 - a / a_prev), sd = eta_ * std::sqrt(variance);
    const double c_dir = std::sqrt(std::max(0.0, 1 - a_prev - sd * sd));
    for (size_t k = 0; k < x.size(); ++k) {
      // diffusers keeps the unclipped epsilon for the direction term.
      const double eps = to_eps(out[k], x[k], a);
      double v = std::sqrt(a_prev) * to_x0(out[k], x[k], a) + c_dir * eps;
      if (eta_ > 0) v += sd * noise[k];
      x[k] = static_cast<float>(v);
    }
  }

 private:
  double eta_;
};

}  // namespace

std::unique_ptr<DiscreteSampler> DiscreteSampler::create(const std::string& name, const BetaSchedule& s, int steps,
                                                         double eta) {
  if (name == "ddpm") return std::make_unique<Ddpm>(s, steps);
  if (name == "ddim") return std::make_unique<Ddim>(s, steps, eta);
  throw Error(ErrorKind::kInvalidArgument, "unknown discrete sampler '" + name + "' (ddpm, ddim)");
}

}  // namespace edgewm::diffusion
