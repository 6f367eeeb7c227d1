#include "diffusion/edm.h"

#include <cmath>
#include <string>

#include "edgewm/error.h"

namespace edgewm::diffusion {

std::vector<float> karras_sigmas(int steps, const EdmSchedule& s) {
  if (steps < 1) throw Error(ErrorKind::kInvalidArgument, "sampler needs at least 1 step, got " + std::to_string(steps));
  if (!(s.sigma_min > 0) || !(s.sigma_max > s.sigma_min) || !(s.rho > 0))
    throw Error(ErrorKind::kInvalidArgument, "EDM schedule needs 0 < sigma_min < sigma_max and rho > 0");
  std::vector<float> sigmas(static_cast<size_t>(steps) + 1, 0.f);
  const double lo = std::pow(s.sigma_min, 1 / s.rho), hi = std::pow(s.sigma_max, 1 / s.rho);
  for (int i = 0; i < steps; ++i) {
    const double ramp = steps == 1 ? 0.0 : static_cast<double>(i) / (steps - 1);
    sigmas[i] = static_cast<float>(std::pow(hi + ramp * (lo - hi), s.rho));
  }
  return sigmas;
}

void euler_step(std::span<float> x, std::span<const float> denoised, float sigma, float sigma_next) {
  if (x.size() != denoised.size())
    throw Error(ErrorKind::kInternal, "euler_step: sample and denoised sizes differ");
  if (sigma_next == 0.f) {
    std::copy(denoised.begin(), denoised.end(), x.begin());
    return;
  }
  const float k = (sigma_next - sigma) / sigma;
  for (size_t i = 0; i < x.size(); ++i) x[i] += (x[i] - denoised[i]) * k;
}

}  // namespace edgewm::diffusion
