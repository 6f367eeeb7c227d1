// PyTorch exports nn.GroupNorm (opset < 18) as Reshape [N, G, -1] -> InstanceNormalization
// with unit scale and zero bias -> Reshape back -> Mul(gamma) -> Add(beta): four passes over
// the feature map and two intermediates. edgewm.GroupNorm does it in one (plus the moments).
#include "passes/fuse.h"
#include "passes/rewrite.h"

namespace edgewm {

namespace {

// The operand of a binary node that is not `v`.
ValueId other(const Node& n, ValueId v) { return n.inputs[0] == v ? n.inputs[1] : n.inputs[0]; }

}  // namespace

int fuse_group_norm(Graph& g) {
  const auto readers = rewrite::readers(g);
  const auto producer = rewrite::producers(g);
  rewrite::Splicer splicer;
  auto sole_reader = [&](ValueId v, size_t& reader) {
    const auto& r = readers[static_cast<size_t>(v)];
    if (r.size() != 1 || g.is_graph_output(v)) return false;
    reader = r[0];
    return true;
  };
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& in = g.nodes[k];
    if (in.op_type != "InstanceNormalization" || !in.domain.empty() || in.inputs.size() != 3) continue;
    const size_t r1 = producer[static_cast<size_t>(in.inputs[0])];
    if (r1 == SIZE_MAX || g.nodes[r1].op_type != "Reshape" || splicer.taken(r1)) continue;
    const Node& reshape1 = g.nodes[r1];
    const ValueId x = reshape1.inputs[0];
    const Value& xv = g.value(x);
    const Shape& grouped = g.value(in.inputs[0]).shape;
    if (xv.dtype != DType::kF32 || xv.shape.rank() < 3 || grouped.rank() != 3 || grouped[0] != xv.shape[0]) continue;
    const int64_t channels = xv.shape[1], groups = grouped[1];
    if (groups < 1 || channels % groups != 0 || grouped[2] * groups != xv.shape.numel() / xv.shape[0]) continue;
    if (!rewrite::constant_all(g, in.inputs[1], 1.f) || !rewrite::constant_all(g, in.inputs[2], 0.f)) continue;
    size_t r2, mul, add, dummy;
    if (!sole_reader(in.inputs[0], dummy) || !sole_reader(in.outputs[0], r2)) continue;
    const Node& reshape2 = g.nodes[r2];
    if (reshape2.op_type != "Reshape" || g.value(reshape2.outputs[0]).shape != xv.shape) continue;
    if (!sole_reader(reshape2.outputs[0], mul) || g.nodes[mul].op_type != "Mul") continue;
    if (!sole_reader(g.nodes[mul].outputs[0], add) || g.nodes[add].op_type != "Add") continue;
    std::vector<float> gamma, beta;
    const int rank = xv.shape.rank();
    if (!rewrite::per_channel_constant(g, other(g.nodes[mul], reshape2.outputs[0]), rank, channels, gamma) ||
        !rewrite::per_channel_constant(g, other(g.nodes[add], g.nodes[mul].outputs[0]), rank, channels, beta))
      continue;
    if (g.value(g.nodes[add].outputs[0]).shape != xv.shape) continue;
    Node n;
    n.name = g.nodes[add].name + "/fused_group_norm";
    n.op_type = "GroupNorm";
    n.domain = "edgewm";
    n.opset = 1;
    Tensor gt(DType::kF32, Shape{channels}), bt(DType::kF32, Shape{channels});
    std::copy(gamma.begin(), gamma.end(), gt.as<float>());
    std::copy(beta.begin(), beta.end(), bt.as<float>());
    const ValueId gv = g.add_constant(n.name + "/scale", std::move(gt));
    const ValueId bv = g.add_constant(n.name + "/bias", std::move(bt));
    n.inputs = {x, gv, bv};
    n.outputs = {g.nodes[add].outputs[0]};
    Attribute a;
    a.name = "num_groups", a.kind = Attribute::Kind::kInt, a.i = groups;
    n.attrs.set(a);
    a = Attribute{};
    a.name = "epsilon", a.kind = Attribute::Kind::kFloat, a.f = in.attrs.get_float("epsilon", 1e-5f);
    n.attrs.set(a);
    a = Attribute{};
    a.name = "activation", a.kind = Attribute::Kind::kString, a.s = "none";
    n.attrs.set(a);
    splicer.replace({r1, k, r2, mul, add}, add, std::move(n));
  }
  return splicer.apply(g);
}

}  // namespace edgewm
