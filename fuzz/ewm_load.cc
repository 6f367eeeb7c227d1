// A .ewm image from bad bytes: load (header, sections, graph, plan, weights hash), then, if it
// loads, a session and one run on zero inputs. Must end in an edgewm::Error or a result, never
// a crash, a hang or memory beyond the model's own arena.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "edgewm/session.h"

using namespace edgewm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto model = Model::from_bytes(std::vector<uint8_t>(data, data + size), LoadOptions{}, "fuzz.ewm");
    if (model->arena_bytes() > (int64_t{64} << 20)) return 0;  // a real plan that size: fine, not fuzzed
    Session session(model, SessionOptions{1});
    std::vector<Tensor> inputs;
    std::vector<TensorView> views;
    for (const TensorInfo& info : model->inputs()) {
      if (checked_tensor_bytes(info.dtype, info.shape) > (int64_t{16} << 20)) return 0;
      inputs.emplace_back(info.dtype, info.shape);
    }
    for (const Tensor& t : inputs) views.push_back(t.view());
    session.run(views);
  } catch (const Error&) {
  }
  return 0;
}
