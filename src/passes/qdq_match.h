#pragma once
// What the QDQ passes (fuse_qdq.cc, fold_qdq_movement.cc) read off QuantizeLinear and
// DequantizeLinear nodes: their constant scales and zero points, and the DQ producing a value.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace edgewm::qdq {

inline bool is_op(const Node& n, const char* op) { return n.op_type == op && n.domain.empty(); }
inline bool is_int8(DType t) { return t == DType::kU8 || t == DType::kI8; }

// A constant f32 scale with `n` values (1: per tensor), each positive and finite, and its zero
// point (absent, or a constant of `zp_type` with the same count).
inline bool params(const Graph& g, const Node& q, int64_t n, DType zp_type) {
  if (q.inputs.size() < 2 || q.inputs[1] == kNoValue) return false;
  const Value& s = g.value(q.inputs[1]);
  if (!s.is_constant() || s.dtype != DType::kF32 || s.constant.numel() != n) return false;
  for (int64_t i = 0; i < n; ++i)
    if (!(s.constant.as<float>()[i] > 0) || !std::isfinite(s.constant.as<float>()[i])) return false;
  if (q.inputs.size() < 3 || q.inputs[2] == kNoValue) return true;  // zero point 0
  const Value& z = g.value(q.inputs[2]);
  return z.is_constant() && z.dtype == zp_type && z.constant.numel() == n;
}

// The DequantizeLinear node producing v (and its index), or null.
inline const Node* dq_of(const Graph& g, const std::vector<size_t>& producer, ValueId v, size_t* index) {
  if (v == kNoValue) return nullptr;
  const size_t p = producer[static_cast<size_t>(v)];
  if (p == SIZE_MAX || !is_op(g.nodes[p], "DequantizeLinear")) return nullptr;
  *index = p;
  return &g.nodes[p];
}

// The integer type a QuantizeLinear writes (its zero point's; u8 without one).
inline DType q_type(const Graph& g, const Node& q) {
  return q.inputs.size() > 2 && q.inputs[2] != kNoValue ? g.value(q.inputs[2]).dtype : DType::kU8;
}

// The QuantizeLinear that alone reads float value y (not a graph output), per tensor to u8 or
// s8, and its index; null otherwise. What a group DQ -> op -> Q ends in.
inline const Node* sole_per_tensor_q(const Graph& g, const std::vector<std::vector<size_t>>& readers, ValueId y,
                                     size_t* index) {
  const auto& r = readers[static_cast<size_t>(y)];
  if (r.size() != 1 || g.is_graph_output(y)) return nullptr;
  const Node& q = g.nodes[r[0]];
  const DType yt = q_type(g, q);
  if (!is_op(q, "QuantizeLinear") || q.inputs[0] != y || !is_int8(yt) || !params(g, q, 1, yt) ||
      q.attrs.get_int("output_dtype", 0) != 0 || q.attrs.get_int("block_size", 0) != 0)
    return nullptr;
  *index = r[0];
  return &q;
}

// A per-tensor scale and zero point's values (zero point 0 when absent); params(g, n, 1, ...) first.
inline float scale_of(const Graph& g, const Node& n) { return g.value(n.inputs[1]).constant.as<float>()[0]; }
inline int32_t zero_point_of(const Graph& g, const Node& n) {
  if (n.inputs.size() < 3 || n.inputs[2] == kNoValue) return 0;
  const TensorView& z = g.value(n.inputs[2]).constant;
  return z.dtype == DType::kI8 ? static_cast<const int8_t*>(z.data)[0] : static_cast<const uint8_t*>(z.data)[0];
}

// A scalar u8 or s8 constant of value v (a zero point, a clamp bound), added to g.
inline ValueId add_int8_scalar(Graph& g, DType type, int64_t v, const std::string& name) {
  Tensor t(type, Shape{});
  if (type == DType::kI8) *static_cast<int8_t*>(t.data()) = static_cast<int8_t>(v);
  else *static_cast<uint8_t*>(t.data()) = static_cast<uint8_t>(v);
  return g.add_constant(name, std::move(t));
}

// The zero point input of DQ/Q node n, or a fresh constant 0 of `type` where n has none (the
// integer ops that replace them take it explicitly: its type is their output's).
inline ValueId zero_point_or_zero(Graph& g, const Node& n, DType type, const std::string& name) {
  if (n.inputs.size() >= 3 && n.inputs[2] != kNoValue) return n.inputs[2];
  return add_int8_scalar(g, type, 0, name);
}

}  // namespace edgewm::qdq
