#pragma once
// Unconditional image sampling with a discrete-time diffusion model (sample, timestep) -> model
// output, driven by its metadata (prediction type, beta schedule, timestep spacing) and any
// sampler of diffusion/sampler.h.
#include <cstdint>
#include <string>
#include <vector>

#include "edgewm/image.h"
#include "edgewm/session.h"

namespace edgewm::diffusion {

struct ImageSamplingOptions {
  std::string sampler;  // Sampler::names() (+ "-karras"); empty: the model's diffusion.sampler (else ddim)
  int steps = 0;        // 0: the model's diffusion.steps (else 50)
  double eta = 0.0;     // DDIM only
  uint64_t seed = 0;
  int count = 16;
};

struct ImageSamplingResult {
  std::vector<Image> images;
  std::vector<double> step_ms;  // one per model evaluation (a whole batch)
  std::string sampler;
  int steps = 0;  // steps as asked; Heun evaluates the model 2 * steps - 1 times
};

// Throws kInvalidArgument naming what is missing when the model is not such a model.
ImageSamplingResult sample_images(Session& session, const ImageSamplingOptions& options);

}  // namespace edgewm::diffusion
