#pragma once
// EDM (Karras et al. 2022) noise levels for denoisers that predict the clean sample directly
// (D(x; sigma), EDM preconditioning inside the model). Solvers: Sampler::create_edm.
#include <vector>

namespace edgewm::diffusion {

struct EdmSchedule {
  double sigma_min = 0.002, sigma_max = 80.0, rho = 7.0;
};

// `steps` noise levels from sigma_max down to sigma_min (eq. 5 of the EDM paper), then 0.
std::vector<float> karras_sigmas(int steps, const EdmSchedule& schedule);

}  // namespace edgewm::diffusion
