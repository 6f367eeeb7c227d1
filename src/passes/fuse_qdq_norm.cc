// DequantizeLinear -> edgewm.GroupNorm -> QuantizeLinear, per tensor (a quantised model's
// normalisations: the faithful recipes quantise what follows a GroupNorm, NNCF also what feeds
// it): the Q and DQ become GroupNorm's inputs 3-6, so it reads and writes the 8-bit tensors and
// keeps its float math inside (kernels/rows/row_kernels.cc), never writing the f32 tensor out.
// Exact: the same Q/DQ arithmetic, on the same float rows. A per-channel float Add between the DQ
// and the GroupNorm (a UNet's time embedding) folds in too, as input 7.
#include "passes/fuse.h"
#include "passes/qdq_match.h"
#include "passes/rewrite.h"

namespace edgewm {

using qdq::dq_of;
using qdq::is_int8;
using qdq::is_op;
using qdq::params;

int fuse_qdq_norm(Graph& g) {
  const auto readers = rewrite::readers(g);
  const auto producer = rewrite::producers(g);
  std::set<size_t> drop;
  int fused = 0;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    Node& n = g.nodes[k];
    if (n.op_type != "GroupNorm" || n.domain != "edgewm" || n.inputs.size() != 3 || n.outputs.size() != 1) continue;
    if (g.value(n.inputs[1]).dtype != DType::kF32 || g.value(n.inputs[0]).dtype != DType::kF32) continue;
    bool changed = false;
    size_t di = 0;
    // DQ -> Add(a per-channel f32 value: a UNet's time embedding) -> GroupNorm: the Add folds in
    // as input 7 (x_add), with the DQ, where the GroupNorm alone reads the sum.
    ValueId x_in = n.inputs[0], x_add = kNoValue;
    size_t x_reader = k, add_node = SIZE_MAX;
    if (const size_t p = producer[static_cast<size_t>(x_in)];
        p != SIZE_MAX && !drop.count(p) && is_op(g.nodes[p], "Add") && g.nodes[p].inputs.size() == 2 &&
        rewrite::only_reader(g, readers, x_in, k)) {
      const Node& a = g.nodes[p];
      const Shape& xs = g.value(x_in).shape;
      for (int side : {0, 1}) {
        const Value& t = g.value(a.inputs[1 - side]);
        bool per_channel = g.value(x_in).shape_known && t.shape_known && t.dtype == DType::kF32 && xs.rank() >= 3 &&
                           t.shape.rank() == xs.rank() && (t.shape[0] == 1 || t.shape[0] == xs[0]) && t.shape[1] == xs[1];
        for (int d = 2; d < t.shape.rank() && per_channel; ++d) per_channel = t.shape[d] == 1;
        if (size_t d = 0; per_channel && dq_of(g, producer, a.inputs[side], &d)) {
          x_in = a.inputs[side], x_add = a.inputs[1 - side], x_reader = p, add_node = p;
          break;
        }
      }
    }
    // The input's DQ, when the GroupNorm (or the Add) is its only reader.
    if (const Node* dq = dq_of(g, producer, x_in, &di);
        dq && !drop.count(di) && dq->inputs.size() >= 2 && is_int8(g.value(dq->inputs[0]).dtype) &&
        params(g, *dq, 1, g.value(dq->inputs[0]).dtype) && dq->attrs.get_int("block_size", 0) == 0 &&
        rewrite::only_reader(g, readers, x_in, x_reader)) {
      const ValueId zp = dq->inputs.size() > 2 ? dq->inputs[2] : kNoValue;
      n.inputs = {dq->inputs[0], n.inputs[1], n.inputs[2], dq->inputs[1], zp};
      drop.insert(di);
      if (add_node != SIZE_MAX) drop.insert(add_node);
      changed = true;
    } else {
      x_add = kNoValue;
    }
    n.inputs.resize(5, kNoValue);
    // The output's Q, when it is the only reader.
    size_t qi = 0;
    if (const Node* q = qdq::sole_per_tensor_q(g, readers, n.outputs[0], &qi); q && !drop.count(qi)) {
      // Explicit: the output type is the zero point's.
      const ValueId zp = qdq::zero_point_or_zero(g, *q, DType::kU8, n.name + "/y_zero_point");
      n.inputs.push_back(q->inputs[1]);
      n.inputs.push_back(zp);
      n.outputs = {q->outputs[0]};
      drop.insert(qi);
      changed = true;
    }
    if (!changed) {
      n.inputs.resize(3);
      continue;
    }
    if (x_add != kNoValue) {
      n.inputs.resize(7, kNoValue);
      n.inputs.push_back(x_add);
    }
    while (!n.inputs.empty() && n.inputs.back() == kNoValue) n.inputs.pop_back();
    ++fused;
  }
  if (!drop.empty()) rewrite::splice(g, drop, {});
  return fused;
}

}  // namespace edgewm
