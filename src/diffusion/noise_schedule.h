#pragma once
// Noise schedules with diffusers' numerics: beta schedules -> alphas_cumprod (float32, as
// torch computes them), timestep spacings, and the sigma <-> timestep maps the sigma-space
// samplers (Euler, Heun, DPM-Solver++) use, including Karras et al.'s noise levels.
#include <cstdint>
#include <string>
#include <vector>

namespace edgewm::diffusion {

enum class Prediction { kEpsilon, kV, kSample };
Prediction prediction_from_name(const std::string& name);  // epsilon | v_prediction (or v) | sample (or x0)

struct BetaSchedule {
  int num_train_timesteps = 1000;
  std::string kind = "linear";  // linear | scaled_linear | squaredcos_cap_v2
  double beta_start = 1e-4, beta_end = 0.02;
  Prediction prediction = Prediction::kEpsilon;
  bool clip_sample = true;  // DDPM, DDIM and Heun clip the x0 estimate (diffusers' clip_sample)
  double clip_range = 1.0;
};

// alphas_cumprod as diffusers computes it (float32 betas, float32 running product).
std::vector<float> alphas_cumprod(const BetaSchedule& schedule);

// sigma_t = sqrt((1 - alphas_cumprod) / alphas_cumprod), in float32 like diffusers' table.
std::vector<float> train_sigmas(const std::vector<float>& alphas_cumprod);

// `steps` timesteps, newest first: "leading" (0, r, 2r.. with r = T // steps), "linspace"
// (linspace(0, T-1, steps), fractional) or "trailing" (T, T - T/steps, .. rounded, minus 1).
std::vector<double> spaced_timesteps(const std::string& spacing, int num_train_timesteps, int steps);

// Fractional timestep whose sigma is `sigma`, interpolating log sigma in the train table.
double sigma_to_timestep(double sigma, const std::vector<float>& train_sigma_table);

// Karras et al. (2022) eq. 5: `steps` levels from sigma_max down to sigma_min (no final 0).
std::vector<double> karras_levels(int steps, double sigma_min, double sigma_max, double rho = 7.0);

}  // namespace edgewm::diffusion
