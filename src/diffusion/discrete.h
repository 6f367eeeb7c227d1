#pragma once
// Discrete-time diffusion samplers with diffusers' semantics (DDPMScheduler, DDIMScheduler:
// "leading" timestep spacing, x0 clipping, fixed_small variance), for models trained on a
// beta schedule (epsilon, v or sample prediction). The caller runs the model and supplies
// the Gaussian noise, so a run is reproducible from a seed and testable step by step.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace edgewm::diffusion {

enum class Prediction { kEpsilon, kV, kSample };
Prediction prediction_from_name(const std::string& name);  // epsilon | v_prediction (or v) | sample

struct BetaSchedule {
  int num_train_timesteps = 1000;
  std::string kind = "linear";  // linear | scaled_linear | squaredcos_cap_v2
  double beta_start = 1e-4, beta_end = 0.02;
  Prediction prediction = Prediction::kEpsilon;
  bool clip_sample = true;
  double clip_range = 1.0;
};

// alphas_cumprod as diffusers computes it (float32 betas, float32 running product).
std::vector<float> alphas_cumprod(const BetaSchedule& schedule);

class DiscreteSampler {
 public:
  // name: "ddpm" (ancestral) or "ddim" (eta: 0 deterministic, 1 ~ DDPM).
  static std::unique_ptr<DiscreteSampler> create(const std::string& name, const BetaSchedule& schedule, int steps,
                                                 double eta = 0.0);
  virtual ~DiscreteSampler() = default;
  const std::vector<int64_t>& timesteps() const { return timesteps_; }
  // Whether step i draws noise (the caller then passes `noise`, standard normal, x.size()).
  virtual bool needs_noise(size_t i) const = 0;
  // x_t -> x_{t_prev} in place, from the model's output at timesteps()[i].
  virtual void step(size_t i, std::span<const float> model_output, std::span<float> x,
                    std::span<const float> noise) const = 0;
  // The model's estimate of the clean sample at step i (for early exit and previews).
  void predict_x0(size_t i, std::span<const float> model_output, std::span<const float> x, std::span<float> x0) const;

 protected:
  DiscreteSampler(const BetaSchedule& s, int steps);
  double alpha(int64_t t) const { return t >= 0 ? alphas_[static_cast<size_t>(t)] : 1.0; }
  int64_t prev_timestep(size_t i) const { return timesteps_[i] - schedule_.num_train_timesteps / steps_; }
  // x0 and epsilon from the model output (x0 clipped when the schedule says so).
  double to_x0(double out, double x, double a) const;
  double to_eps(double out, double x, double a) const;
  BetaSchedule schedule_;
  int steps_;
  std::vector<float> alphas_;
  std::vector<int64_t> timesteps_;
};

}  // namespace edgewm::diffusion
