// DequantizeLinear -> edgewm.GroupNorm -> QuantizeLinear, per tensor (a quantised model's
// normalisations: the faithful recipes quantise what follows a GroupNorm, NNCF also what feeds
// it): the Q and DQ become GroupNorm's inputs 3-6, so it reads and writes the 8-bit tensors and
// keeps its float math inside (kernels/rows/row_kernels.cc), never writing the f32 tensor out.
// Exact: the same Q/DQ arithmetic, on the same float rows.
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
    // The input's DQ, when the GroupNorm is its only reader.
    if (const Node* dq = dq_of(g, producer, n.inputs[0], &di);
        dq && !drop.count(di) && dq->inputs.size() >= 2 && is_int8(g.value(dq->inputs[0]).dtype) &&
        params(g, *dq, 1, g.value(dq->inputs[0]).dtype) && dq->attrs.get_int("block_size", 0) == 0 &&
        rewrite::only_reader(g, readers, n.inputs[0], k)) {
      const ValueId zp = dq->inputs.size() > 2 ? dq->inputs[2] : kNoValue;
      n.inputs = {dq->inputs[0], n.inputs[1], n.inputs[2], dq->inputs[1], zp};
      drop.insert(di);
      changed = true;
    }
    n.inputs.resize(5, kNoValue);
    // The output's Q, when it is the only reader.
    const ValueId y = n.outputs[0];
    const auto& r = readers[static_cast<size_t>(y)];
    if (r.size() == 1 && !g.is_graph_output(y) && !drop.count(r[0])) {
      const Node& q = g.nodes[r[0]];
      const DType qt = qdq::q_type(g, q);
      if (is_op(q, "QuantizeLinear") && q.inputs[0] == y && is_int8(qt) && params(g, q, 1, qt) &&
          q.attrs.get_int("output_dtype", 0) == 0 && q.attrs.get_int("block_size", 0) == 0) {
        // Explicit: the output type is the zero point's.
        const ValueId zp = qdq::zero_point_or_zero(g, q, DType::kU8, n.name + "/y_zero_point");
        n.inputs.push_back(q.inputs[1]);
        n.inputs.push_back(zp);
        n.outputs = {q.outputs[0]};
        drop.insert(r[0]);
        changed = true;
      }
    }
    if (!changed) {
      n.inputs.resize(3);
      continue;
    }
    while (!n.inputs.empty() && n.inputs.back() == kNoValue) n.inputs.pop_back();
    ++fused;
  }
  if (!drop.empty()) rewrite::splice(g, drop, {});
  return fused;
}

}  // namespace edgewm
