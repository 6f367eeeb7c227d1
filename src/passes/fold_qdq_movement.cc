// Quantisers wrap every op that only moves or selects values in DequantizeLinear ->
// op -> QuantizeLinear with one scale and zero point on both sides (ONNX Runtime's
// quantize_static does it for Reshape, Transpose, Concat, Slice, Squeeze/Unsqueeze, MaxPool...:
// 94 such groups in the seed UNet's default recipe). With the same per-tensor (scale, zero
// point) in and out, Q(DQ(q)) = q for every 8-bit q (|q - z| <= 255 and (q - z) * s / s lands
// within 2^-22 of q - z, which rounds back to it), and these ops pick values without arithmetic
// (MaxPool's max commutes with the increasing DQ; nearest Resize copies), so the group is the
// op on the integers, bit for bit. Folding them leaves Q -> DQ pairs apart only where an op computes, and lets
// fuse-qdq see the integer ops through the reshapes.
#include <string>
#include <vector>

#include "passes/fuse.h"
#include "passes/qdq_match.h"
#include "passes/rewrite.h"

namespace edgewm {

namespace {

using qdq::is_op;

// The ops, and how many leading inputs carry data (the rest: shapes, axes, starts... kept).
int data_inputs(const Node& n) {
  static const char* const kOne[] = {"Reshape", "Transpose", "Slice", "Squeeze", "Unsqueeze", "Flatten",
                                     "Identity", "DepthToSpace", "SpaceToDepth", "MaxPool"};
  if (is_op(n, "Concat")) return static_cast<int>(n.inputs.size());
  if (is_op(n, "Resize") && n.opset >= 11)  // nearest picks values (scales and sizes stay inputs)
    return n.attrs.get_string("mode", "nearest") == "nearest" &&
                   n.attrs.get_string("coordinate_transformation_mode", "") != "tf_crop_and_resize"
               ? 1
               : 0;
  for (const char* op : kOne)
    if (is_op(n, op)) return 1;
  return 0;
}

// DQ d and Q q quantise alike: one positive finite scale, one zero point, the same integer type.
bool same_quantisation(const Graph& g, const Node& d, const Node& q) {
  const DType t = g.value(d.inputs[0]).dtype;
  if (!qdq::is_int8(t) || qdq::q_type(g, q) != t || !qdq::params(g, d, 1, t) || !qdq::params(g, q, 1, t)) return false;
  if (q.attrs.get_int("output_dtype", 0) != 0 || d.attrs.get_int("block_size", 0) != 0) return false;
  return qdq::scale_of(g, d) == qdq::scale_of(g, q) && qdq::zero_point_of(g, d) == qdq::zero_point_of(g, q);
}

// A float input (the faithful recipes quantise only the convolutions' inputs): quantise first,
// then move the bytes. Q is elementwise with one scale, so Q(op(x)) = op(Q(x)) for an op that
// only copies values (not MaxPool: its NaN handling differs from Q's); a nearest 2x Resize then
// quantises a quarter of the values and moves a quarter of the bytes. Node k is the op, qi its
// only reader, a QuantizeLinear.
void quantise_first(Graph& g, size_t k, size_t qi, rewrite::Splicer& splicer) {
  const Node& n = g.nodes[k];
  const Node& q = g.nodes[qi];
  const ValueId x = n.inputs[0];
  const DType qt = qdq::q_type(g, q);
  if (data_inputs(n) != 1 || is_op(n, "MaxPool") || g.value(x).dtype != DType::kF32 || !qdq::is_int8(qt) ||
      !qdq::params(g, q, 1, qt) || q.attrs.get_int("output_dtype", 0) != 0)
    return;
  Value xq;
  xq.name = g.value(q.outputs[0]).name + "/before_" + n.op_type;
  xq.dtype = qt;
  xq.shape = g.value(x).shape;
  xq.shape_known = g.value(x).shape_known;
  xq.quant = g.value(q.outputs[0]).quant;
  const ValueId xq_id = g.add_value(std::move(xq));
  Node first = q;
  first.name = q.name + "/before_" + n.op_type;
  first.inputs[0] = x;
  first.outputs = {xq_id};
  Node moved = n;
  moved.name = n.name + "/integer";
  moved.inputs[0] = xq_id;
  moved.outputs = {q.outputs[0]};
  splicer.replace({k, qi}, qi, std::move(first));  // (the splicer keeps their order)
  splicer.replace({k, qi}, qi, std::move(moved));
}

}  // namespace

int fold_qdq_movement(Graph& g) {
  const auto readers = rewrite::readers(g);
  const auto producer = rewrite::producers(g);
  rewrite::Splicer splicer;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& n = g.nodes[k];
    const int data = data_inputs(n);
    if (data == 0 || n.outputs.size() != 1 || splicer.taken(k)) continue;  // (MaxPool with Indices: 2 outputs)
    const ValueId y = n.outputs[0];
    const auto& r = readers[static_cast<size_t>(y)];
    if (r.size() != 1 || g.is_graph_output(y) || !is_op(g.nodes[r[0]], "QuantizeLinear") || splicer.taken(r[0])) continue;
    const Node& q = g.nodes[r[0]];
    if (q.inputs.empty() || q.inputs[0] != y) continue;
    std::vector<size_t> chain{k, r[0]};
    Node f = n;
    bool ok = true;
    for (int i = 0; i < data && ok; ++i) {
      size_t di = 0;
      const Node* d = qdq::dq_of(g, producer, n.inputs[static_cast<size_t>(i)], &di);
      ok = d && !d->inputs.empty() && !splicer.taken(di) && same_quantisation(g, *d, q);
      if (!ok) break;
      f.inputs[static_cast<size_t>(i)] = d->inputs[0];
      const ValueId dv = d->outputs[0];
      if (rewrite::only_reader(g, readers, dv, k)) chain.push_back(di);  // (a DQ may feed more, or feed n twice)
    }
    if (!ok) {  // not a DQ of the same quantisation: perhaps Q can go first instead
      quantise_first(g, k, r[0], splicer);
      continue;
    }
    f.name = n.name + "/integer";
    f.outputs = {q.outputs[0]};
    splicer.replace(chain, r[0], std::move(f));
  }
  return splicer.apply(g);
}

}  // namespace edgewm
