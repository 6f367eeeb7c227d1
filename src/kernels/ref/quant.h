#pragma once
// Quantisation parameters as the ONNX Q/DQ ops lay them out, for the reference kernels of
// kernels/ref/quant*.cc: which scale and zero point each element uses, and integer ranges.
#include <cstdint>
#include <string>

#include "edgewm/tensor.h"
#include "ir/op_registry.h"

namespace edgewm::ref::quant {

// u8, i8, u16, i16: the types Q/DQ quantise to (4-bit and float8 are not edgewm dtypes).
bool is_quantized_int(DType t);
// Saturation bounds of an integer type (i32 too).
void int_range(DType t, int64_t& lo, int64_t& hi);

// QuantizeLinear of one float32 value: x / scale in float32, NaN to the zero point, rounded half
// to even, + zero point, saturated to [lo, hi]. DequantizeLinear of one: (float(q) - float(zp))
// * scale in float32. The reference Q/DQ kernels and the reference kernels of fused ops that
// quantise inside (edgewm.GroupNorm with 8-bit input or output) share these.
double quantize_value(float x, float scale, int64_t zero_point, int64_t lo, int64_t hi);
inline float dequantize_value(double q, float zero_point, float scale) { return (static_cast<float>(q) - zero_point) * scale; }

// Maps element i of x (row-major) to its scale/zero-point element.
struct ParamIndex {
  enum Kind { kTensor, kAxis, kBlocked } kind = kTensor;
  bool valid = true;
  int64_t dim = 1, inner = 1;       // extent of the axis, elements after it
  int64_t block = 1, scale_dim = 1;  // blocked: block size and the scale's extent on the axis
  int64_t at(int64_t i) const {
    if (kind == kTensor) return 0;
    const int64_t c = (i / inner) % dim;
    if (kind == kAxis) return c;
    return ((i / (dim * inner)) * scale_dim + c / block) * inner + i % inner;
  }
};

// Per-tensor (a scalar or one-element scale), per-axis (1-D, one per index of `axis`) or blocked
// (opset 21: the input's rank, ceil(dim / block_size) on the axis). On a mismatch returns an
// invalid layout and the reason in *error.
ParamIndex param_layout(const Shape& x, const Shape& scale, int64_t axis, int64_t block_size,
                        std::string* error = nullptr);

}  // namespace edgewm::ref::quant

namespace edgewm {
// quant_linear.cc: ConvInteger, MatMulInteger, QLinearConv, QLinearMatMul (part of register_quant_ops).
void register_quant_linear_ops(OpRegistry& r);
// quant_binary.cc: edgewm.QLinearAdd, edgewm.QLinearMul (part of register_quant_ops).
void register_quant_binary_ops(OpRegistry& r);
}  // namespace edgewm
