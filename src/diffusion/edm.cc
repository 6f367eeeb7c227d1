#include "diffusion/edm.h"

#include "diffusion/noise_schedule.h"

namespace edgewm::diffusion {

std::vector<float> karras_sigmas(int steps, const EdmSchedule& s) {
  const std::vector<double> levels = karras_levels(steps, s.sigma_min, s.sigma_max, s.rho);
  std::vector<float> sigmas(levels.begin(), levels.end());
  sigmas.push_back(0.f);
  return sigmas;
}

}  // namespace edgewm::diffusion
