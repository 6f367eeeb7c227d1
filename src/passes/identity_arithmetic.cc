// x * 1, x / 1, x + 0, x - 0 removed.
#include "passes/fuse.h"
#include "passes/rewrite.h"

namespace edgewm {

int remove_identity_arithmetic(Graph& g) {
  int removed = 0;
  std::vector<ValueId> replace(g.values.size(), kNoValue);
  std::set<size_t> drop;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& n = g.nodes[k];
    if (!n.domain.empty() || n.inputs.size() != 2 || n.outputs.size() != 1) continue;
    float identity;
    if (n.op_type == "Mul" || n.op_type == "Div") identity = 1.f;
    else if (n.op_type == "Add" || n.op_type == "Sub") identity = 0.f;
    else continue;
    const ValueId x = n.inputs[0], c = n.inputs[1], y = n.outputs[0];
    if (x == kNoValue || !rewrite::constant_all(g, c, identity) || g.is_graph_output(y)) continue;
    const Value &xv = g.value(x), &yv = g.value(y);
    if (xv.dtype != yv.dtype || xv.shape != yv.shape || !xv.shape_known || !yv.shape_known) continue;  // broadcasting
    replace[static_cast<size_t>(y)] = replace[static_cast<size_t>(x)] != kNoValue ? replace[static_cast<size_t>(x)] : x;
    drop.insert(k);
    ++removed;
  }
  if (!removed) return 0;
  for (Node& n : g.nodes)
    for (ValueId& v : n.inputs)
      if (v != kNoValue && replace[static_cast<size_t>(v)] != kNoValue) v = replace[static_cast<size_t>(v)];
  rewrite::splice(g, drop, {});
  return removed;
}

}  // namespace edgewm
