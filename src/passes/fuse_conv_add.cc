// Conv followed by an Add of a same-shaped tensor (a residual) or of one value per channel
// (a time embedding broadcast over the image) -> edgewm.FusedConv: the conv kernels start their
// accumulation from bias + addend (or add it while writing the output), saving the Add's pass
// over the feature map and one intermediate.
#include "passes/fuse.h"
#include "passes/rewrite.h"

namespace edgewm {

namespace {

// z can be added to y (rank r, channels y[1]) by FusedConv: y's shape, or [1|N, C, 1, ...].
bool addend_fits(const Shape& y, const Shape& z) {
  if (z == y) return true;
  if (z.rank() > y.rank() || z.rank() < y.rank() - 1) return false;
  for (int d = 0; d < z.rank(); ++d) {
    const int full = y.rank() - z.rank() + d;
    if (full == 0 && z[d] != 1 && z[d] != y[0]) return false;
    if (full == 1 && z[d] != y[1]) return false;
    if (full >= 2 && z[d] != 1) return false;
  }
  return true;
}

}  // namespace

int fuse_conv_add(Graph& g) {
  const auto readers = rewrite::readers(g);
  rewrite::Splicer splicer;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& conv = g.nodes[k];
    if (conv.op_type != "Conv" || !conv.domain.empty() || conv.outputs.size() != 1) continue;
    const ValueId y = conv.outputs[0];
    const Value& yv = g.value(y);
    if (yv.dtype != DType::kF32 || !yv.shape_known || yv.shape.rank() < 3) continue;
    const auto& r = readers[static_cast<size_t>(y)];
    if (r.size() != 1 || g.is_graph_output(y) || splicer.taken(r[0])) continue;
    const Node& add = g.nodes[r[0]];
    if (add.op_type != "Add" || !add.domain.empty() || add.inputs.size() != 2 || add.inputs[0] == add.inputs[1]) continue;
    const ValueId z = add.inputs[0] == y ? add.inputs[1] : add.inputs[0];
    const Value& zv = g.value(z);
    if (zv.dtype != DType::kF32 || !zv.shape_known || !addend_fits(yv.shape, zv.shape)) continue;
    if (g.value(add.outputs[0]).shape != yv.shape) continue;
    Node n = conv;
    n.name = add.name + "/fused_conv_add";
    n.op_type = "FusedConv";
    n.domain = "edgewm";
    n.opset = 1;
    n.inputs.resize(3, kNoValue);  // the bias slot stays (maybe empty)
    n.inputs.push_back(z);
    n.outputs = {add.outputs[0]};
    splicer.replace({k, r[0]}, r[0], std::move(n));
  }
  return splicer.apply(g);
}

}  // namespace edgewm
