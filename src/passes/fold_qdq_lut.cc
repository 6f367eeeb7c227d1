// DequantizeLinear -> one elementwise op -> QuantizeLinear, per tensor: the input has 256
// possible values, so the group is a 256-entry table (edgewm.Lookup), computed here by running
// the op's reference kernel on every dequantised value and quantising the results as the Q
// would. Exactly the unfused graph's answer on the reference kernels, the same on every CPU
// (the fast f32 kernels, run unfused, may land a step apart where a result rounds at .5).
// What quantisers wrap this way: ONNX Runtime's default recipe around Sigmoid, HardSigmoid,
// Tanh, LeakyRelu...; a SiLU, GELU or Mish as one op; a scale or shift by a constant.
#include <cmath>
#include <set>
#include <string>

#include "edgewm/thread_pool.h"
#include "kernels/evaluate_node.h"
#include "kernels/ref/movement.h"
#include "kernels/ref/quant.h"
#include "passes/fuse.h"
#include "passes/qdq_match.h"
#include "passes/rewrite.h"

namespace edgewm {

namespace {

using qdq::is_int8;
using qdq::is_op;
using qdq::params;

// Ops whose output element depends on the same input element only, through attributes and
// scalar constant inputs.
bool elementwise(const Node& n) {
  static const std::set<std::string> kOps = {
      "Relu", "LeakyRelu", "Sigmoid", "Tanh",  "HardSigmoid", "HardSwish", "Elu",   "Selu",  "Celu",
      "Softplus", "Softsign", "Gelu", "Erf",  "Exp",         "Log",       "Sqrt",  "Abs",   "Neg",
      "Reciprocal", "Sin", "Cos",     "Mish", "Clip",        "Round",     "Floor", "Ceil",  "Sign",
      "ThresholdedRelu", "Shrink", "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min"};
  if (n.domain == "edgewm") return n.op_type == "Silu";
  return n.domain.empty() && kOps.count(n.op_type);
}

}  // namespace

int fold_qdq_lut(Graph& g) {
  const auto readers = rewrite::readers(g);
  const auto producer = rewrite::producers(g);
  ThreadPool pool(1);
  std::set<size_t> drop;
  std::vector<std::pair<size_t, Node>> lookups;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& n = g.nodes[k];
    if (!elementwise(n) || n.outputs.size() != 1 || drop.count(k)) continue;
    // Exactly one input from a DQ; the others scalar f32 constants.
    int dq_input = -1;
    size_t di = 0;
    bool ok = true;
    for (size_t i = 0; i < n.inputs.size() && ok; ++i) {
      const ValueId v = n.inputs[i];
      if (v == kNoValue) continue;
      const Value& val = g.value(v);
      if (val.is_constant()) {
        ok = val.dtype == DType::kF32 && val.constant.numel() == 1;
      } else if (dq_input < 0 && qdq::dq_of(g, producer, v, &di)) {
        dq_input = static_cast<int>(i);
      } else {
        ok = false;
      }
    }
    if (!ok || dq_input < 0 || drop.count(di)) continue;
    const Node& dq = g.nodes[di];
    const DType xt = g.value(dq.inputs[0]).dtype;
    if (!is_int8(xt) || !params(g, dq, 1, xt) || dq.attrs.get_int("block_size", 0) != 0 ||
        g.value(n.inputs[static_cast<size_t>(dq_input)]).dtype != DType::kF32)
      continue;
    size_t qi = 0;
    const Node* qn = qdq::sole_per_tensor_q(g, readers, n.outputs[0], &qi);
    if (!qn || drop.count(qi)) continue;
    const Node& q = *qn;
    const DType yt = qdq::q_type(g, q);
    // The op on the 256 dequantised values, in a graph of its own.
    Graph t;
    Tensor xs(DType::kF32, Shape{256});
    const float s = qdq::scale_of(g, dq), z = static_cast<float>(qdq::zero_point_of(g, dq));
    const int lo = xt == DType::kI8 ? -128 : 0;
    for (int i = 0; i < 256; ++i) xs.as<float>()[i] = ref::quant::dequantize_value(lo + i, z, s);
    Node e = n;
    e.inputs.clear();
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      if (n.inputs[i] == kNoValue) {
        e.inputs.push_back(kNoValue);
      } else if (static_cast<int>(i) == dq_input) {
        e.inputs.push_back(t.add_constant("x", std::move(xs)));
      } else {
        e.inputs.push_back(t.add_constant(std::string("c").append(std::to_string(i)), Tensor::copy_of(g.value(n.inputs[i]).constant)));
      }
    }
    Value out;
    out.name = "y", out.dtype = DType::kF32, out.shape = Shape{256}, out.shape_known = true;
    e.outputs = {t.add_value(std::move(out))};
    std::vector<Tensor> ys;
    try {
      ys = evaluate_node(t, e, pool, KernelChoice::kReference);
    } catch (const Error&) {
      continue;  // an op or attribute the reference refuses: left as it is
    }
    if (ys.size() != 1 || ys[0].numel() != 256 || ys[0].dtype() != DType::kF32) continue;
    int64_t qlo, qhi;
    ref::quant::int_range(yt, qlo, qhi);
    Tensor table(yt, Shape{256});
    const float ysc = qdq::scale_of(g, q);
    const int64_t yz = qdq::zero_point_of(g, q);
    for (int i = 0; i < 256; ++i) {
      const double v = ref::quant::quantize_value(ys[0].as<float>()[i], ysc, yz, qlo, qhi);
      if (yt == DType::kI8) static_cast<int8_t*>(table.data())[i] = static_cast<int8_t>(v);
      else static_cast<uint8_t*>(table.data())[i] = static_cast<uint8_t>(v);
    }
    Node lookup;
    lookup.name = n.name + "/lookup";
    lookup.op_type = "Lookup";
    lookup.domain = "edgewm";
    lookup.opset = 1;
    lookup.inputs = {dq.inputs[0], g.add_constant(n.name + "/table", std::move(table))};
    lookup.outputs = {q.outputs[0]};
    drop.insert(k);
    drop.insert(qi);
    if (rewrite::only_reader(g, readers, n.inputs[static_cast<size_t>(dq_input)], k)) drop.insert(di);
    lookups.emplace_back(qi, std::move(lookup));
  }
  const int count = static_cast<int>(lookups.size());
  if (!drop.empty()) rewrite::splice(g, drop, std::move(lookups));
  return count;
}

}  // namespace edgewm
