#include "diffusion/sampler.h"

#include "diffusion/sampler_impl.h"
#include "edgewm/error.h"

namespace edgewm::diffusion {

namespace {

constexpr std::string_view kKarras = "-karras";

std::string canonical(const std::string& name) { return name == "dpmpp_2m" || name == "dpm++" ? "dpm++2m" : name; }

std::string unknown_message(const std::string& name) {
  std::string list;
  for (const auto& n : Sampler::names()) list += (list.empty() ? "" : ", ") + n;
  return "unknown sampler '" + name + "' (" + list + ", optionally with -karras)";
}

}  // namespace

const std::vector<std::string>& Sampler::names() {
  static const std::vector<std::string> n = {"ddpm", "ddim", "euler", "heun", "dpm++2m"};
  return n;
}

std::unique_ptr<Sampler> Sampler::create(const std::string& name, const BetaSchedule& schedule, int steps,
                                         const SamplerOptions& options) {
  SamplerOptions o = options;
  std::string base = name;
  if (base.size() > kKarras.size() && base.ends_with(kKarras)) {
    base.resize(base.size() - kKarras.size());
    o.karras = true;
  }
  base = canonical(base);
  if (base == "ddpm" || base == "ddim") {
    if (o.karras) throw Error(ErrorKind::kInvalidArgument, "sampler '" + name + "': Karras levels apply to euler, heun, dpm++2m");
    return base == "ddpm" ? make_ddpm(schedule, steps, o) : make_ddim(schedule, steps, o);
  }
  if (base == "euler" || base == "heun" || base == "dpm++2m") return make_sigma_sampler(base, schedule, steps, o);
  throw Error(ErrorKind::kInvalidArgument, unknown_message(name));
}

std::unique_ptr<Sampler> Sampler::create_edm(const std::string& name, std::vector<float> sigmas) {
  const std::string base = canonical(name);
  if (base == "euler" || base == "heun" || base == "dpm++2m") return make_edm_sampler(base, std::move(sigmas));
  throw Error(ErrorKind::kInvalidArgument, "unknown EDM sampler '" + name + "' (euler, heun, dpm++2m)");
}

double Sampler::sigma(size_t) const {
  throw Error(ErrorKind::kInvalidArgument, "sampler '" + name_ + "' does not work on noise levels");
}

size_t Sampler::evaluation_at_level(size_t) const {
  throw Error(ErrorKind::kInvalidArgument, "sampler '" + name_ + "' does not work on noise levels");
}

void check_step_sizes(std::span<const float> out, std::span<float> x, std::span<const float> noise, bool needs_noise) {
  if (out.size() != x.size()) throw Error(ErrorKind::kInvalidArgument, "sampler: model output and sample sizes differ");
  if (needs_noise && noise.size() != x.size())
    throw Error(ErrorKind::kInvalidArgument, "sampler: this step needs noise of the sample's size");
}

}  // namespace edgewm::diffusion
