// SiLU as exported: Sigmoid(x) then Mul(x, that). One pass instead of two, no intermediate;
// then a GroupNorm whose only reader is the SiLU takes it as its activation.
#include "passes/fuse.h"
#include "passes/rewrite.h"

namespace edgewm {

int fuse_silu(Graph& g) {
  const auto readers = rewrite::readers(g);
  rewrite::Splicer splicer;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& s = g.nodes[k];
    if (s.op_type != "Sigmoid" || !s.domain.empty() || g.value(s.inputs[0]).dtype != DType::kF32) continue;
    const ValueId x = s.inputs[0], sig = s.outputs[0];
    const auto& r = readers[static_cast<size_t>(sig)];
    if (r.size() != 1 || g.is_graph_output(sig)) continue;
    const Node& m = g.nodes[r[0]];
    if (m.op_type != "Mul" || !m.domain.empty() || m.inputs.size() != 2) continue;
    if (!((m.inputs[0] == x && m.inputs[1] == sig) || (m.inputs[0] == sig && m.inputs[1] == x))) continue;
    if (g.value(m.outputs[0]).shape != g.value(x).shape) continue;
    Node n;
    n.name = m.name + "/fused_silu";
    n.op_type = "Silu";
    n.domain = "edgewm";
    n.opset = 1;
    n.inputs = {x};
    n.outputs = {m.outputs[0]};
    splicer.replace({k, r[0]}, r[0], std::move(n));
  }
  return splicer.apply(g);
}

int fuse_group_norm_silu(Graph& g) {
  const auto readers = rewrite::readers(g);
  const auto producer = rewrite::producers(g);
  rewrite::Splicer splicer;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& s = g.nodes[k];
    if (s.op_type != "Silu" || s.domain != "edgewm") continue;
    const size_t p = producer[static_cast<size_t>(s.inputs[0])];
    if (p == SIZE_MAX) continue;
    const Node& gn = g.nodes[p];
    if (gn.op_type != "GroupNorm" || gn.domain != "edgewm" || gn.attrs.get_string("activation", "none") != "none") continue;
    if (!rewrite::only_reader(g, readers, s.inputs[0], k)) continue;
    Node n = gn;
    Attribute a;
    a.name = "activation", a.kind = Attribute::Kind::kString, a.s = "silu";
    n.attrs.set(a);
    n.outputs = {s.outputs[0]};
    splicer.replace({p, k}, k, std::move(n));
  }
  return splicer.apply(g);
}

}  // namespace edgewm
