#pragma once
// EDM (Karras et al. 2022) noise levels and the Euler step, for denoisers that predict the
// clean sample directly (D(x; sigma), EDM preconditioning inside the model).
#include <span>
#include <vector>

namespace edgewm::diffusion {

struct EdmSchedule {
  double sigma_min = 0.002, sigma_max = 80.0, rho = 7.0;
};

// `steps` noise levels from sigma_max down to sigma_min (eq. 5 of the EDM paper), then 0.
std::vector<float> karras_sigmas(int steps, const EdmSchedule& schedule);

// One Euler step of the probability-flow ODE from sigma to sigma_next, in place:
// x += (x - denoised) / sigma * (sigma_next - sigma). With sigma_next = 0 it lands on denoised.
void euler_step(std::span<float> x, std::span<const float> denoised, float sigma, float sigma_next);

}  // namespace edgewm::diffusion
