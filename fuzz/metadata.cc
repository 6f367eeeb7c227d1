// A model card (model.json) from bad bytes: its "metadata" object parsed as `edgewm compile`
// reads it, stored in two tiny models, and each driven as far as the metadata lets it go — a
// world model (construct, reset, one step) and an image diffusion model (sample one image).
// Every key the samplers and the world model read comes from here: steps, schedules, sigma
// ranges, context frames, action names, sampler and prediction names. Must end in an
// edgewm::Error or a result, never a crash, a hang or runaway memory.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "compiler/compile.h"
#include "diffusion/image_sampling.h"
#include "diffusion/model_metadata.h"
#include "edgewm/world.h"
#include "onnx_builder.h"

using namespace edgewm;
using testing::OnnxBuilder;

namespace {

constexpr int kContext = 2, kSize = 8;
constexpr int64_t kMostSteps = 12;  // more is a valid model, only slower: capped, not refused

Tensor i64(std::vector<int64_t> v) {
  Tensor t(DType::kI64, Shape{static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.as<int64_t>()[i] = v[i];
  return t;
}

// D(x, sigma, past, action) = the newest past frame + 0 * (x * sigma + action).
CompiledModel world_denoiser() {
  OnnxBuilder b;
  b.input("noisy_frame", {1, 3, kSize, kSize})
      .input("sigma", {1})
      .input("past_frames", {1, 3 * kContext, kSize, kSize})
      .input("action", {1}, onnx::TensorProto::INT64)
      .output("denoised");
  Tensor zero(DType::kF32, Shape{1});
  zero.as<float>()[0] = 0.f;
  b.initializer("starts", i64({3 * kContext - 3})).initializer("ends", i64({3 * kContext})).initializer("axes", i64({1}));
  b.initializer("zero", zero);
  b.node("Slice", {"past_frames", "starts", "ends", "axes"}, {"last"});
  auto& cast = b.node("Cast", {"action"}, {"action_f"});
  OnnxBuilder::int_attr(cast, "to", onnx::TensorProto::FLOAT);
  b.node("Mul", {"noisy_frame", "sigma"}, {"xs"});
  b.node("Add", {"xs", "action_f"}, {"xa"});
  b.node("Mul", {"xa", "zero"}, {"nothing"});
  b.node("Add", {"last", "nothing"}, {"denoised"});
  return compile_imported(import_onnx_bytes(b.bytes(), "."));
}

// eps(x, t) = 0.5 * x + 0 * t.
CompiledModel image_denoiser() {
  OnnxBuilder b;
  b.input("sample", {1, 1, kSize, kSize}).input("timestep", {1}, onnx::TensorProto::INT64).output("eps");
  Tensor half(DType::kF32, Shape{1});
  half.as<float>()[0] = 0.5f;
  Tensor zero(DType::kF32, Shape{1});
  zero.as<float>()[0] = 0.f;
  b.initializer("half", half).initializer("zero", zero);
  auto& cast = b.node("Cast", {"timestep"}, {"t_f"});
  OnnxBuilder::int_attr(cast, "to", onnx::TensorProto::FLOAT);
  b.node("Mul", {"t_f", "zero"}, {"t0"});
  b.node("Mul", {"sample", "half"}, {"xh"});
  b.node("Add", {"xh", "t0"}, {"eps"});
  return compile_imported(import_onnx_bytes(b.bytes(), "."));
}

std::shared_ptr<const Model> with_metadata(CompiledModel& m, const std::map<std::string, std::string>& meta) {
  m.metadata = meta;
  return Model::from_bytes(m.serialize(), LoadOptions{}, "fuzz.ewm");
}

// The model's own steps when few enough, else a small explicit count (options.steps wins).
int steps_to_run(const Model& m, const char* key) {
  try {
    return diffusion::meta_int(m, key, 3, 1, diffusion::kMaxSteps) <= kMostSteps ? 0 : 4;
  } catch (const Error&) {
    return 0;  // let the real code meet the bad value
  }
}

void run_world(CompiledModel& denoiser, const std::map<std::string, std::string>& meta) {
  auto model = with_metadata(denoiser, meta);
  WorldModelOptions o;
  o.threads = 1;
  o.steps = steps_to_run(*model, "diffusion.steps");
  WorldModel wm(model, o);
  std::vector<Image> history;
  for (int i = 0; i < wm.context_frames(); ++i) {
    Image img(wm.frame_width(), wm.frame_height(), 3);
    for (size_t p = 0; p < img.pixels.size(); ++p) img.pixels[p] = static_cast<uint8_t>(p * 7 + i);
    history.push_back(std::move(img));
  }
  wm.reset(history);
  wm.step(0);
}

void run_image(CompiledModel& denoiser, const std::map<std::string, std::string>& meta) {
  auto model = with_metadata(denoiser, meta);
  Session session(model, SessionOptions{1});
  diffusion::ImageSamplingOptions o;
  o.count = 1;
  o.steps = steps_to_run(*model, "diffusion.steps");
  diffusion::sample_images(session, o);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static CompiledModel world = world_denoiser();
  static CompiledModel image = image_denoiser();
  std::map<std::string, std::string> meta;
  try {
    meta = metadata_from_json(std::string(reinterpret_cast<const char*>(data), size), "model.json");
  } catch (const Error&) {
    return 0;
  }
  try {
    run_world(world, meta);
  } catch (const Error&) {
  }
  try {
    run_image(image, meta);
  } catch (const Error&) {
  }
  return 0;
}
