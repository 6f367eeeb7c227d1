#pragma once
// Diffusion samplers. The caller runs the model and supplies any Gaussian noise, so a run is
// reproducible from a seed and testable step by step:
//
//   x = noise * init_noise_sigma()
//   for i in 0..evaluations():  out = model(x * input_scale(i), timesteps()[i]);  step(i, out, x, noise_i)
//
// On a beta schedule (models trained with diffusers-style DDPM objectives, epsilon / v / sample
// prediction) every sampler follows the matching diffusers scheduler, defaults included:
// ddpm (DDPMScheduler), ddim (DDIMScheduler), euler (EulerDiscreteScheduler), heun
// (HeunDiscreteScheduler), dpm++2m (DPMSolverMultistepScheduler, dpmsolver++, order 2,
// midpoint). On explicit noise levels (EDM denoisers D(x; sigma) that return the clean sample,
// preconditioning inside) euler, heun and dpm++2m run the same ODE solvers with time = sigma.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "diffusion/noise_schedule.h"

namespace edgewm::diffusion {

struct SamplerOptions {
  double eta = 0.0;     // ddim: 0 deterministic, 1 ~ DDPM
  bool karras = false;  // euler, heun, dpm++2m: Karras noise levels (a "-karras" name suffix sets it)
  std::string spacing;  // leading | linspace | trailing; empty: the diffusers default of the sampler
};

class Sampler {
 public:
  // Names: ddpm, ddim, euler, heun, dpm++2m (alias dpmpp_2m), optionally with "-karras".
  static std::unique_ptr<Sampler> create(const std::string& name, const BetaSchedule& schedule, int steps,
                                         const SamplerOptions& options = {});
  // For EDM denoisers: `sigmas` strictly decreasing, ending with 0 (e.g. karras_sigmas()).
  static std::unique_ptr<Sampler> create_edm(const std::string& name, std::vector<float> sigmas);
  static const std::vector<std::string>& names();

  virtual ~Sampler() = default;
  const std::string& name() const { return name_; }
  size_t evaluations() const { return timesteps_.size(); }
  // The model's time input per evaluation (DDPM-style timesteps, or sigma for EDM).
  const std::vector<double>& timesteps() const { return timesteps_; }
  // Model input = sample * input_scale(i) (Euler/Heun on a beta schedule keep the sample at
  // variance sigma^2 + 1 and scale it back).
  virtual double input_scale(size_t) const { return 1.0; }
  // The initial sample is standard normal noise times this.
  virtual double init_noise_sigma() const { return 1.0; }
  // Whether evaluation i draws noise (the caller then passes `noise`, standard normal, x.size()).
  virtual bool needs_noise(size_t) const { return false; }
  // Forgets multistep history; the next step() may start at any evaluation (warm starts).
  virtual void restart() {}
  // x -> the next sample in place, from the model's output at evaluation i. Evaluations run in
  // order (after restart(), from any start).
  virtual void step(size_t i, std::span<const float> model_output, std::span<float> x,
                    std::span<const float> noise = {}) = 0;
  // The model's estimate of the clean sample at evaluation i (early exit, previews).
  virtual void predict_x0(size_t i, std::span<const float> model_output, std::span<const float> x,
                          std::span<float> x0) const = 0;

  // Noise levels (sigma-space samplers): sigma of evaluation i's input, and the first
  // evaluation that starts from noise level `level` (an index into the sigma list).
  virtual double sigma(size_t i) const;
  virtual size_t evaluation_at_level(size_t level) const;

 protected:
  explicit Sampler(std::string name) : name_(std::move(name)) {}
  std::string name_;
  std::vector<double> timesteps_;
};

}  // namespace edgewm::diffusion
