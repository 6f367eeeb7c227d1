// ODE solvers in noise-level (sigma) space: Euler, Heun (2nd order, two evaluations per level
// but the last) and DPM-Solver++(2M) (2nd order multistep, one evaluation per level). On a beta
// schedule they follow diffusers' EulerDiscrete / HeunDiscrete / DPMSolverMultistep schedulers;
// on explicit levels they solve the EDM probability-flow ODE of a clean-sample denoiser.
#include <algorithm>
#include <cmath>

#include "diffusion/sampler_impl.h"
#include "edgewm/error.h"

namespace edgewm::diffusion {

namespace {

enum class Kind { kEuler, kHeun, kDpm2M };
// Where the sample lives: kVeScaled, x ~ N(x0, sigma^2) and the model sees x / sqrt(sigma^2 + 1)
// (diffusers' Euler/Heun); kVp, x = alpha (x0 + sigma n) with alpha = 1 / sqrt(sigma^2 + 1)
// (diffusers' DPM-Solver); kEdm, x ~ N(x0, sigma^2) fed as is with time = sigma.
enum class Space { kVeScaled, kVp, kEdm };

Kind kind_of(const std::string& k) { return k == "euler" ? Kind::kEuler : k == "heun" ? Kind::kHeun : Kind::kDpm2M; }

struct LevelSchedule {
  std::vector<double> sigmas;     // per level, then a final 0
  std::vector<double> timesteps;  // per level (not the final 0)
};

class SigmaSampler : public Sampler {
 public:
  SigmaSampler(const std::string& name, Kind kind, LevelSchedule levels, Space space, Prediction prediction,
               bool clip, double clip_range, double init_sigma)
      : Sampler(name), kind_(kind), space_(space), prediction_(prediction), clip_(clip), clip_range_(clip_range),
        init_sigma_(init_sigma), sigmas_(std::move(levels.sigmas)) {
    const size_t n = sigmas_.size() - 1;
    const size_t evals = kind == Kind::kHeun ? 2 * n - 1 : n;
    for (size_t i = 0; i < evals; ++i) timesteps_.push_back(levels.timesteps[level_of(i)]);
  }

  double input_scale(size_t i) const override {
    const double s = sigma(i);
    return space_ == Space::kVeScaled ? 1 / std::sqrt(s * s + 1) : 1.0;
  }
  double init_noise_sigma() const override { return init_sigma_; }
  double sigma(size_t i) const override { return sigmas_.at(level_of(i)); }
  size_t evaluation_at_level(size_t level) const override {
    if (level + 1 >= sigmas_.size())
      throw Error(ErrorKind::kInvalidArgument, "noise level " + std::to_string(level) + " is outside 0.." +
                                                   std::to_string(sigmas_.size() - 2));
    return kind_ == Kind::kHeun ? 2 * level : level;
  }
  void restart() override {
    have_previous_ = false;
    heun_pending_ = false;
  }

  void predict_x0(size_t i, std::span<const float> out, std::span<const float> x, std::span<float> x0) const override {
    const double s = sigma(i);
    for (size_t k = 0; k < x.size(); ++k) x0[k] = static_cast<float>(to_x0(out[k], x[k], s));
  }

  void step(size_t i, std::span<const float> out, std::span<float> x, std::span<const float> noise) override {
    check_step_sizes(out, x, noise, false);
    if (i >= timesteps_.size()) throw Error(ErrorKind::kInvalidArgument, "sampler step past the last evaluation");
    switch (kind_) {
      case Kind::kEuler: euler(i, out, x); break;
      case Kind::kHeun: heun(i, out, x); break;
      case Kind::kDpm2M: dpm_2m(i, out, x); break;
    }
  }

 private:
  size_t level_of(size_t i) const { return kind_ == Kind::kHeun ? (i + 1) / 2 : i; }
  double alpha(double s) const { return space_ == Space::kVp ? 1 / std::sqrt(s * s + 1) : 1.0; }

  double to_x0(double out, double x, double s) const {
    double x0 = out;
    if (space_ == Space::kVp) {
      const double a = alpha(s), sv = s * a;
      if (prediction_ == Prediction::kEpsilon) x0 = (x - sv * out) / a;
      else if (prediction_ == Prediction::kV) x0 = a * x - sv * out;
    } else {
      if (prediction_ == Prediction::kEpsilon) x0 = x - s * out;
      else if (prediction_ == Prediction::kV) x0 = out * (-s / std::sqrt(s * s + 1)) + x / (s * s + 1);
    }
    return clip_ ? std::clamp(x0, -clip_range_, clip_range_) : x0;
  }

  void euler(size_t i, std::span<const float> out, std::span<float> x) const {
    const double s = sigmas_[i], dt = sigmas_[i + 1] - s;
    for (size_t k = 0; k < x.size(); ++k) {
      const double d = (x[k] - to_x0(out[k], x[k], s)) / s;
      x[k] = static_cast<float>(x[k] + d * dt);
    }
  }

  void heun(size_t i, std::span<const float> out, std::span<float> x) {
    if (i % 2 == 0) {  // Euler predictor from this level to the next; the corrector comes next
      const size_t l = level_of(i);
      const double s = sigmas_[l];
      heun_dt_ = sigmas_[l + 1] - s;
      derivative_.resize(x.size());
      saved_.assign(x.begin(), x.end());
      for (size_t k = 0; k < x.size(); ++k) {
        derivative_[k] = static_cast<float>((x[k] - to_x0(out[k], x[k], s)) / s);
        x[k] = static_cast<float>(x[k] + derivative_[k] * heun_dt_);
      }
      heun_pending_ = true;
      return;
    }
    if (!heun_pending_ || saved_.size() != x.size())
      throw Error(ErrorKind::kInvalidArgument, "heun: corrector evaluation " + std::to_string(i) +
                                                   " without its predictor (evaluations run in order)");
    const double s_next = sigma(i);
    for (size_t k = 0; k < x.size(); ++k) {
      const double d2 = (x[k] - to_x0(out[k], x[k], s_next)) / s_next;
      x[k] = static_cast<float>(saved_[k] + (derivative_[k] + d2) / 2 * heun_dt_);
    }
    heun_pending_ = false;
  }

  void dpm_2m(size_t i, std::span<const float> out, std::span<float> x) {
    const double s = sigmas_[i], t = sigmas_[i + 1];
    std::vector<float>& x0 = current_;
    x0.resize(x.size());
    for (size_t k = 0; k < x.size(); ++k) x0[k] = static_cast<float>(to_x0(out[k], x[k], s));
    // The last step (to sigma 0) is first order, as diffusers' lower_order_final.
    const bool second = have_previous_ && previous_.size() == x.size() && t > 0;
    if (t == 0) {
      std::copy(x0.begin(), x0.end(), x.begin());
    } else {
      const double h = std::log(s / t);  // lambda = -log sigma
      const double ratio = (t * alpha(t)) / (s * alpha(s)), c = alpha(t) * std::expm1(-h);
      if (!second) {
        for (size_t k = 0; k < x.size(); ++k) x[k] = static_cast<float>(ratio * x[k] - c * x0[k]);
      } else {
        const double r = std::log(previous_sigma_ / s) / h;
        for (size_t k = 0; k < x.size(); ++k) {
          const double d1 = (x0[k] - static_cast<double>(previous_[k])) / r;
          x[k] = static_cast<float>(ratio * x[k] - c * x0[k] - 0.5 * c * d1);
        }
      }
    }
    std::swap(previous_, current_);
    previous_sigma_ = s;
    have_previous_ = true;
  }

  Kind kind_;
  Space space_;
  Prediction prediction_;
  bool clip_;
  double clip_range_, init_sigma_;
  std::vector<double> sigmas_;
  // Multistep / predictor-corrector state.
  std::vector<float> previous_, current_, derivative_, saved_;
  double previous_sigma_ = 0, heun_dt_ = 0;
  bool have_previous_ = false, heun_pending_ = false;
};

double interp(double t, const std::vector<float>& table) {
  const double c = std::clamp(t, 0.0, static_cast<double>(table.size() - 1));
  const size_t lo = std::min(static_cast<size_t>(c), table.size() - 2);
  const double w = c - static_cast<double>(lo);
  return table[lo] + w * (static_cast<double>(table[lo + 1]) - table[lo]);
}

// DPM-Solver's own spacings (N + 1 points, the last dropped; integer timesteps).
std::vector<double> dpm_timesteps(const std::string& spacing, int t_count, int steps) {
  if (spacing == "trailing") return spaced_timesteps(spacing, t_count, steps);
  if (steps < 1 || steps >= t_count)
    throw Error(ErrorKind::kInvalidArgument, "sampler steps must be in 1.." + std::to_string(t_count - 1) + ", got " +
                                                 std::to_string(steps));
  std::vector<double> t;
  if (spacing == "linspace") {
    for (int i = steps; i >= 1; --i) t.push_back(std::nearbyint((t_count - 1.0) * i / steps));
  } else if (spacing == "leading") {
    const int64_t ratio = t_count / (steps + 1);
    for (int i = steps; i >= 1; --i) t.push_back(static_cast<double>(i * ratio));
  } else {
    throw Error(ErrorKind::kInvalidArgument, "unknown timestep spacing '" + spacing + "' (leading, linspace, trailing)");
  }
  return t;
}

std::vector<double> as_float32(std::vector<double> v) {
  for (double& x : v) x = static_cast<float>(x);
  return v;
}

}  // namespace

std::unique_ptr<Sampler> make_sigma_sampler(const std::string& kind_name, const BetaSchedule& s, int steps,
                                            const SamplerOptions& o) {
  const Kind kind = kind_of(kind_name);
  const std::vector<float> table = train_sigmas(alphas_cumprod(s));
  const std::string spacing = o.spacing.empty() ? "linspace" : o.spacing;
  const std::string name = kind_name + (o.karras ? "-karras" : "");
  LevelSchedule ls;
  if (kind == Kind::kDpm2M) {
    ls.timesteps = dpm_timesteps(spacing, s.num_train_timesteps, steps);
    if (o.karras) {
      ls.sigmas = karras_levels(steps, table.front(), table.back());
      ls.timesteps.clear();
      for (double sg : ls.sigmas) {
        const double t = sigma_to_timestep(sg, table);
        ls.timesteps.push_back(s.kind == "squaredcos_cap_v2" ? t : std::nearbyint(t));
      }
      // diffusers passes these to the model as int64.
      for (double& t : ls.timesteps) t = std::trunc(t);
    } else {
      for (double t : ls.timesteps) ls.sigmas.push_back(interp(t, table));
    }
    ls.sigmas = as_float32(std::move(ls.sigmas));
    ls.sigmas.push_back(0);
    return std::make_unique<SigmaSampler>(name, kind, std::move(ls), Space::kVp, s.prediction, false, s.clip_range, 1.0);
  }
  ls.timesteps = spaced_timesteps(spacing, s.num_train_timesteps, steps);
  for (double t : ls.timesteps) ls.sigmas.push_back(interp(t, table));
  if (o.karras) {
    ls.sigmas = karras_levels(steps, ls.sigmas.back(), ls.sigmas.front());
    ls.timesteps.clear();
    for (double sg : ls.sigmas) ls.timesteps.push_back(sigma_to_timestep(sg, table));
  }
  ls.timesteps = as_float32(std::move(ls.timesteps));
  ls.sigmas = as_float32(std::move(ls.sigmas));
  ls.sigmas.push_back(0);
  const double top = ls.sigmas.front();
  const double init = spacing == "leading" ? std::sqrt(top * top + 1) : top;
  const bool clip = kind == Kind::kHeun && s.clip_sample;  // diffusers' Euler never clips
  return std::make_unique<SigmaSampler>(name, kind, std::move(ls), Space::kVeScaled, s.prediction, clip, s.clip_range,
                                        init);
}

std::unique_ptr<Sampler> make_edm_sampler(const std::string& kind_name, std::vector<float> sigmas) {
  if (sigmas.size() < 2 || sigmas.back() != 0.f)
    throw Error(ErrorKind::kInvalidArgument, "EDM sampler needs noise levels ending with 0");
  for (size_t i = 0; i + 1 < sigmas.size(); ++i)
    if (!std::isfinite(sigmas[i]) || !(sigmas[i] > sigmas[i + 1]))
      throw Error(ErrorKind::kInvalidArgument, "EDM noise levels must be finite and strictly decreasing (level " +
                                                   std::to_string(i) + ")");
  LevelSchedule ls;
  ls.sigmas.assign(sigmas.begin(), sigmas.end());
  ls.timesteps.assign(sigmas.begin(), sigmas.end() - 1);
  return std::make_unique<SigmaSampler>(kind_name, kind_of(kind_name), std::move(ls), Space::kEdm, Prediction::kSample,
                                        false, 1.0, sigmas.front());
}

}  // namespace edgewm::diffusion
