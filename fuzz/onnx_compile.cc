// An ONNX model from bad bytes: import, shape inference, constant folding, fusion, planning,
// serialisation, and loading the result back. Must end in an edgewm::Error or a model.
#include <cstddef>
#include <cstdint>
#include <string>

#include "compiler/compile.h"
#include "edgewm/model.h"

using namespace edgewm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    // External data is looked up beside the model: a folder that has none.
    CompiledModel m = compile_imported(import_onnx_bytes(std::string(reinterpret_cast<const char*>(data), size),
                                                         "/nonexistent-edgewm-fuzz", {}, "fuzz.onnx"));
    Model::from_bytes(m.serialize(), LoadOptions{}, "fuzz.ewm");
  } catch (const Error&) {
  }
  return 0;
}
