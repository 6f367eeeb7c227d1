#pragma once
// Reading the constant quantisation parameters of a node (scales, zero points, weights) at
// compile or prepare time, whatever their integer type.
#include <cstdint>

#include "edgewm/tensor.h"
#include "ir/graph.h"
#include "kernels/gemm/qgemm_micro.h"
#include "kernels/ref/movement.h"

namespace edgewm::qparams {

inline bool is_int8(DType t) { return t == DType::kU8 || t == DType::kI8; }

// Input i of n is absent or a constant.
inline bool absent_or_constant(const Node& n, const Graph& g, size_t i) {
  return i >= n.inputs.size() || n.inputs[i] == kNoValue || g.value(n.inputs[i]).is_constant();
}
inline bool present(const Node& n, size_t i) { return i < n.inputs.size() && n.inputs[i] != kNoValue; }
// One value, or none (absent).
inline bool scalar_or_absent(const Node& n, const Graph& g, size_t i) {
  return !present(n, i) || g.value(n.inputs[i]).shape.numel() == 1;
}
// Element k of constant input i (element 0 when it holds one value); `absent` when omitted.
inline double at(const Node& n, const Graph& g, size_t i, int64_t k, double absent = 0) {
  if (!present(n, i)) return absent;
  const TensorView& t = g.value(n.inputs[i]).constant;
  return ref::mv::load_as_double(t, t.numel() == 1 ? 0 : k);
}

// The requantising epilogue's output half: y's type, range and zero point (element 0 of input i).
inline RequantizeRow output_of(const Node& n, const Graph& g, DType y, size_t zero_point) {
  RequantizeRow q;
  q.is_signed = y == DType::kI8;
  q.lo = q.is_signed ? -128 : 0;
  q.hi = q.is_signed ? 127 : 255;
  q.zero_point = static_cast<int32_t>(at(n, g, zero_point, 0));
  return q;
}

}  // namespace edgewm::qparams
