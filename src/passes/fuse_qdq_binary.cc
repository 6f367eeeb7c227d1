// DequantizeLinear(a), DequantizeLinear(b) -> Add or Mul -> QuantizeLinear, each per tensor with
// 8-bit values: edgewm.QLinearAdd / QLinearMul on the 8-bit a and b (kernels/ref/quant_binary.cc),
// bit for bit the group's answer on the reference kernels. What quantisers write around a
// residual add (ONNX Runtime's default recipe, NNCF, PT2E) and a gate's product, and what the
// QOperator import makes of com.microsoft QLinearAdd/QLinearMul. A DQ read elsewhere stays for
// its other readers; an Add whose float result is read elsewhere is left alone.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "passes/fuse.h"
#include "passes/qdq_match.h"
#include "passes/rewrite.h"

namespace edgewm {

namespace {

using qdq::is_int8;
using qdq::is_op;
using qdq::params;

// The per-tensor 8-bit DQ producing v, as (index, node), or null.
const Node* per_tensor_dq(const Graph& g, const std::vector<size_t>& producer, ValueId v, size_t* index) {
  const Node* dq = qdq::dq_of(g, producer, v, index);
  if (!dq || dq->inputs.size() < 2) return nullptr;
  const DType xt = g.value(dq->inputs[0]).dtype;
  if (!is_int8(xt) || !params(g, *dq, 1, xt) || dq->attrs.get_int("block_size", 0) != 0) return nullptr;
  return dq;
}

}  // namespace

int fuse_qdq_binary(Graph& g) {
  const auto readers = rewrite::readers(g);
  const auto producer = rewrite::producers(g);
  std::set<size_t> drop;
  std::vector<std::pair<size_t, Node>> fused;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& n = g.nodes[k];
    if (!(is_op(n, "Add") || is_op(n, "Mul")) || n.inputs.size() != 2 || n.outputs.size() != 1 || drop.count(k)) continue;
    size_t ia = 0, ib = 0;
    const Node* da = per_tensor_dq(g, producer, n.inputs[0], &ia);
    const Node* db = per_tensor_dq(g, producer, n.inputs[1], &ib);
    if (!da || !db || drop.count(ia) || drop.count(ib)) continue;
    if (g.value(n.inputs[0]).dtype != DType::kF32 || g.value(n.inputs[1]).dtype != DType::kF32) continue;
    // Operands of the result's shape or single-valued, as the fast kernel takes them (a
    // broadcast one would run on the reference kernel, slower than the unfused float Add).
    const ValueId y = n.outputs[0];
    const Value& yv = g.value(y);
    auto fits = [&](ValueId v) { return g.value(v).shape == yv.shape || g.value(v).shape.numel() == 1; };
    if (!yv.shape_known || !g.value(n.inputs[0]).shape_known || !g.value(n.inputs[1]).shape_known || !fits(n.inputs[0]) ||
        !fits(n.inputs[1]))
      continue;
    size_t qi = 0;
    const Node* qn = qdq::sole_per_tensor_q(g, readers, y, &qi);
    if (!qn || drop.count(qi)) continue;
    const Node& q = *qn;
    const DType yt = qdq::q_type(g, q);
    Node b;
    b.name = n.name + "/qlinear";
    b.op_type = is_op(n, "Add") ? "QLinearAdd" : "QLinearMul";
    b.domain = "edgewm";
    b.opset = 1;
    const DType at = g.value(da->inputs[0]).dtype, bt = g.value(db->inputs[0]).dtype;
    b.inputs = {da->inputs[0], da->inputs[1], qdq::zero_point_or_zero(g, *da, at, n.name + "/a_zero_point"),
                db->inputs[0], db->inputs[1], qdq::zero_point_or_zero(g, *db, bt, n.name + "/b_zero_point"),
                q.inputs[1],   qdq::zero_point_or_zero(g, q, yt, n.name + "/y_zero_point")};
    b.outputs = {q.outputs[0]};
    drop.insert(k);
    drop.insert(qi);
    // Each DQ goes where this group was its only reader (both sides may be one DQ: x + x).
    for (auto [i, v] : {std::pair{ia, n.inputs[0]}, std::pair{ib, n.inputs[1]}})
      if (rewrite::only_reader(g, readers, v, k)) drop.insert(i);
    fused.emplace_back(qi, std::move(b));
  }
  const int count = static_cast<int>(fused.size());
  if (!drop.empty()) rewrite::splice(g, drop, std::move(fused));
  return count;
}

}  // namespace edgewm
