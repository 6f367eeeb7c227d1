#pragma once
// Internal: the sampler families behind Sampler::create.
#include "diffusion/sampler.h"

namespace edgewm::diffusion {

std::unique_ptr<Sampler> make_ddpm(const BetaSchedule& s, int steps, const SamplerOptions& o);
std::unique_ptr<Sampler> make_ddim(const BetaSchedule& s, int steps, const SamplerOptions& o);
// kind: euler | heun | dpm++2m
std::unique_ptr<Sampler> make_sigma_sampler(const std::string& kind, const BetaSchedule& s, int steps,
                                            const SamplerOptions& o);
std::unique_ptr<Sampler> make_edm_sampler(const std::string& kind, std::vector<float> sigmas);

void check_step_sizes(std::span<const float> out, std::span<float> x, std::span<const float> noise, bool needs_noise);

}  // namespace edgewm::diffusion
