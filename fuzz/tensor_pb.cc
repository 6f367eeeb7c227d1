// A serialized ONNX TensorProto from bad bytes (test_data_set_N/*.pb inputs, initializers).
#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>

#include "onnx/tensor_proto.h"

using namespace edgewm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  onnx::TensorProto p;
  if (!p.ParseFromArray(data, static_cast<int>(size))) return 0;
  try {
    tensor_from_proto(p, "/nonexistent-edgewm-fuzz", "fuzz.pb");
  } catch (const Error&) {
  }
  return 0;
}
