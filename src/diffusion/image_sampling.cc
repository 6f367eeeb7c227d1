#include "diffusion/image_sampling.h"

#include <chrono>
#include <cmath>

#include "core/rng.h"
#include "diffusion/model_metadata.h"
#include "diffusion/sampler.h"
#include "imaging/image_tensor.h"

namespace edgewm::diffusion {

namespace {

std::string meta_or(const Model& m, const std::string& key, const std::string& fallback) {
  return meta_string(m, key).value_or(fallback);
}

}  // namespace

ImageSamplingResult sample_images(Session& session, const ImageSamplingOptions& o) {
  const Model& m = session.model();
  auto it = m.metadata().find("diffusion.parameterization");
  if (it == m.metadata().end())
    throw Error(ErrorKind::kInvalidArgument,
                "model metadata has no 'diffusion.parameterization': compile it with its model.json or with "
                "--meta diffusion.parameterization=epsilon (and the diffusion.beta_* keys)");
  BetaSchedule s;
  s.prediction = prediction_from_name(it->second);
  s.num_train_timesteps = static_cast<int>(meta_int(m, "diffusion.num_train_timesteps", 1000, 1, 100000));
  s.kind = meta_or(m, "diffusion.beta_schedule", "linear");
  s.beta_start = meta_number(m, "diffusion.beta_start", 1e-4);
  s.beta_end = meta_number(m, "diffusion.beta_end", 0.02);
  s.clip_sample = meta_or(m, "diffusion.clip_sample", "true") == "true";
  ImageSamplingResult r;
  r.sampler = o.sampler.empty() ? meta_or(m, "diffusion.sampler", "ddim") : o.sampler;
  r.steps = o.steps > 0 ? o.steps : static_cast<int>(meta_int(m, "diffusion.steps", 50, 1, kMaxSteps));
  SamplerOptions so;
  so.eta = o.eta;
  so.spacing = meta_or(m, "diffusion.timestep_spacing", "");
  if (r.steps > kMaxSteps)
    throw Error(ErrorKind::kInvalidArgument, std::to_string(r.steps) + " sampling steps: at most " + std::to_string(kMaxSteps));
  auto sampler = Sampler::create(r.sampler, s, r.steps, so);
  r.sampler = sampler->name();

  const auto& ins = m.inputs();
  if (ins.size() != 2 || !is_image_tensor(TensorView{nullptr, ins[0].dtype, ins[0].shape}))
    throw Error(ErrorKind::kInvalidArgument, "image sampling needs a model (sample f32[BxCxHxW], timestep) -> output");
  const Shape& shape = ins[0].shape;
  const TensorInfo& tinfo = ins[1];
  if (tinfo.dtype != DType::kI64 && tinfo.dtype != DType::kF32 && tinfo.dtype != DType::kI32)
    throw Error(ErrorKind::kInvalidArgument, "timestep input '" + tinfo.name + "' is " + dtype_name(tinfo.dtype));
  if (o.count < 1) throw Error(ErrorKind::kInvalidArgument, "sample count must be >= 1");
  const int64_t batch = shape[0];
  Tensor x(DType::kF32, shape), t(tinfo.dtype, tinfo.shape), noise(DType::kF32, shape);
  Rng rng(o.seed);
  std::vector<float> out_copy(static_cast<size_t>(shape.numel()));
  Tensor model_in(DType::kF32, shape);
  float* ins_p = model_in.as<float>();
  const size_t n = static_cast<size_t>(x.numel());
  for (int done = 0; done < o.count; done += static_cast<int>(batch)) {
    float* xs = x.as<float>();
    const double init = sampler->init_noise_sigma();
    for (size_t i = 0; i < n; ++i) xs[i] = static_cast<float>(rng.normal() * init);
    sampler->restart();
    for (size_t i = 0; i < sampler->evaluations(); ++i) {
      const double ts = sampler->timesteps()[i];
      if (!std::isfinite(ts) || std::fabs(ts) > 1e9)  // casting one to an integer would be undefined
        throw Error(ErrorKind::kInvalidArgument, "the schedule gives timestep " + std::to_string(ts) + " at step " +
                                                     std::to_string(i) + ": check the model's diffusion.* metadata");
      for (int64_t k = 0; k < t.numel(); ++k) {
        if (tinfo.dtype == DType::kI64) t.as<int64_t>()[k] = static_cast<int64_t>(ts);
        else if (tinfo.dtype == DType::kI32) t.as<int32_t>()[k] = static_cast<int32_t>(ts);
        else t.as<float>()[k] = static_cast<float>(ts);
      }
      const float scale = static_cast<float>(sampler->input_scale(i));
      for (size_t k = 0; k < n; ++k) ins_p[k] = xs[k] * scale;
      const auto t0 = std::chrono::steady_clock::now();
      auto outs = session.run({model_in.view(), t.view()});
      if (outs[0].shape != shape)
        throw Error(ErrorKind::kInvalidArgument, "model output " + describe(outs[0]) + " is not the sample's shape");
      std::copy_n(outs[0].as<float>(), out_copy.size(), out_copy.begin());
      if (sampler->needs_noise(i))
        for (int64_t k = 0; k < noise.numel(); ++k) noise.as<float>()[k] = static_cast<float>(rng.normal());
      sampler->step(i, out_copy, {xs, n},
                    sampler->needs_noise(i) ? std::span<const float>(noise.as<float>(), n) : std::span<const float>());
      r.step_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    for (int64_t b = 0; b < batch && done + b < o.count; ++b) r.images.push_back(tensor_to_image(x.view(), b));
  }
  return r;
}

}  // namespace edgewm::diffusion
