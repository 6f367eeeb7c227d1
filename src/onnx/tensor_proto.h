#pragma once
// ONNX TensorProto <-> edgewm::Tensor, including external data (weights in a side file).
#include <string>

#include "edgewm/tensor.h"

namespace onnx {
class TensorProto;
}

namespace edgewm {

// `base_dir` resolves external-data locations; `what` names the tensor in error messages.
// INT4 / UINT4 come unpacked, one value a byte, as s8 / u8 (is_4bit_proto says which were).
Tensor tensor_from_proto(const onnx::TensorProto& p, const std::string& base_dir, const std::string& what);
void tensor_to_proto(const TensorView& t, const std::string& name, onnx::TensorProto* p);
// Maps ONNX's TensorProto.DataType; kUndefined for types edgewm lacks.
DType dtype_from_onnx(int onnx_type);
int dtype_to_onnx(DType t);
bool is_4bit_proto(const onnx::TensorProto& p);

// A serialized TensorProto file (the backend-test `input_0.pb` layout). Returns the name too.
Tensor load_tensor_pb(const std::string& path, std::string* name = nullptr);
void save_tensor_pb(const TensorView& t, const std::string& name, const std::string& path);

}  // namespace edgewm
