// DDPM (ancestral) and DDIM with diffusers' semantics: "leading" timestep spacing by default,
// x0 clipping, fixed_small variance.
#include <algorithm>
#include <cmath>

#include "diffusion/sampler_impl.h"
#include "edgewm/error.h"

namespace edgewm::diffusion {

namespace {

class AlphaSampler : public Sampler {
 public:
  AlphaSampler(const std::string& name, const BetaSchedule& s, int steps, const SamplerOptions& o)
      : Sampler(name), schedule_(s), alphas_(alphas_cumprod(s)) {
    timesteps_ = spaced_timesteps(o.spacing.empty() ? "leading" : o.spacing, s.num_train_timesteps, steps);
    // diffusers' previous timestep is t - T // steps whatever the spacing.
    ratio_ = s.num_train_timesteps / steps;
  }
  void predict_x0(size_t i, std::span<const float> out, std::span<const float> x, std::span<float> x0) const override {
    const double a = alpha(i);
    for (size_t k = 0; k < x.size(); ++k) x0[k] = static_cast<float>(to_x0(out[k], x[k], a));
  }

 protected:
  double alpha(size_t i) const { return alpha_at(static_cast<int64_t>(timesteps_.at(i))); }
  double alpha_prev(size_t i) const { return alpha_at(static_cast<int64_t>(timesteps_.at(i)) - ratio_); }
  double alpha_at(int64_t t) const { return t >= 0 ? alphas_[static_cast<size_t>(t)] : 1.0; }
  double to_x0(double out, double x, double a) const {
    double x0 = 0;
    switch (schedule_.prediction) {
      case Prediction::kEpsilon: x0 = (x - std::sqrt(1 - a) * out) / std::sqrt(a); break;
      case Prediction::kV: x0 = std::sqrt(a) * x - std::sqrt(1 - a) * out; break;
      case Prediction::kSample: x0 = out; break;
    }
    return schedule_.clip_sample ? std::clamp(x0, -schedule_.clip_range, schedule_.clip_range) : x0;
  }
  double to_eps(double out, double x, double a) const {
    switch (schedule_.prediction) {
      case Prediction::kEpsilon: return out;
      case Prediction::kV: return std::sqrt(a) * out + std::sqrt(1 - a) * x;
      case Prediction::kSample: return (x - std::sqrt(a) * out) / std::sqrt(1 - a);
    }
    return out;
  }
  BetaSchedule schedule_;
  std::vector<float> alphas_;
  int64_t ratio_ = 1;
};

class Ddpm : public AlphaSampler {
 public:
  using AlphaSampler::AlphaSampler;
  bool needs_noise(size_t i) const override { return timesteps_.at(i) > 0; }
  void step(size_t i, std::span<const float> out, std::span<float> x, std::span<const float> noise) override {
    check_step_sizes(out, x, noise, needs_noise(i));
    const double a = alpha(i), a_prev = alpha_prev(i);
    const double cur_alpha = a / a_prev, cur_beta = 1 - cur_alpha;
    const double c_x0 = std::sqrt(a_prev) * cur_beta / (1 - a), c_x = std::sqrt(cur_alpha) * (1 - a_prev) / (1 - a);
    const bool noisy = needs_noise(i);
    const double sd = noisy ? std::sqrt(std::max((1 - a_prev) / (1 - a) * cur_beta, 1e-20)) : 0.0;
    for (size_t k = 0; k < x.size(); ++k) {
      double v = c_x0 * to_x0(out[k], x[k], a) + c_x * x[k];
      if (noisy) v += sd * noise[k];
      x[k] = static_cast<float>(v);
    }
  }
};

class Ddim : public AlphaSampler {
 public:
  Ddim(const std::string& name, const BetaSchedule& s, int steps, const SamplerOptions& o)
      : AlphaSampler(name, s, steps, o), eta_(o.eta) {
    if (!(eta_ >= 0 && eta_ <= 1)) throw Error(ErrorKind::kInvalidArgument, "DDIM eta must be in [0, 1]");
  }
  bool needs_noise(size_t) const override { return eta_ > 0; }
  void step(size_t i, std::span<const float> out, std::span<float> x, std::span<const float> noise) override {
    check_step_sizes(out, x, noise, needs_noise(i));
    const double a = alpha(i), a_prev = alpha_prev(i);
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

std::unique_ptr<Sampler> make_ddpm(const BetaSchedule& s, int steps, const SamplerOptions& o) {
  return std::make_unique<Ddpm>("ddpm", s, steps, o);
}
std::unique_ptr<Sampler> make_ddim(const BetaSchedule& s, int steps, const SamplerOptions& o) {
  return std::make_unique<Ddim>("ddim", s, steps, o);
}

}  // namespace edgewm::diffusion
