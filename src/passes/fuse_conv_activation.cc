// Conv (or edgewm.FusedConv) followed by an activation it alone feeds -> edgewm.FusedConv with
// that activation as its epilogue: the kernels apply it to output rows they have just finished
// (still in cache) instead of a separate op passing over the feature map again (MobileNet's
// Conv + ReLU6 / HardSwish, ResNet's Conv + Add + ReLU, YOLO-style Conv + SiLU).
#include <cmath>
#include <limits>

#include "passes/fuse.h"
#include "passes/rewrite.h"

namespace edgewm {

namespace {

Attribute text_attr(const char* name, const char* value) {
  Attribute a;
  a.name = name, a.kind = Attribute::Kind::kString, a.s = value;
  return a;
}

Attribute float_attr(const char* name, float value) {
  Attribute a;
  a.name = name, a.kind = Attribute::Kind::kFloat, a.f = value;
  return a;
}

// A scalar f32 constant input (Clip's min/max), or `fallback` when absent.
bool scalar_input(const Graph& g, const Node& n, size_t i, float fallback, float& out) {
  if (i >= n.inputs.size() || n.inputs[i] == kNoValue) {
    out = fallback;
    return true;
  }
  const Value& v = g.value(n.inputs[i]);
  if (!v.is_constant() || v.dtype != DType::kF32 || v.constant.numel() != 1) return false;
  out = *static_cast<const float*>(v.constant.data);
  return true;
}

}  // namespace

bool conv_activation_attrs(const Graph& g, const Node& a, Attributes& attrs) {
  if (a.inputs.empty() || a.outputs.size() != 1) return false;
  const float inf = std::numeric_limits<float>::infinity();
  auto set = [&](const char* name, float lo = 0, float hi = 0, float alpha = 0, float beta = 0) {
    attrs.set(text_attr("activation", name));
    attrs.set(float_attr("activation_min", lo));
    attrs.set(float_attr("activation_max", hi));
    attrs.set(float_attr("activation_alpha", alpha));
    attrs.set(float_attr("activation_beta", beta));
    return true;
  };
  if (a.op_type == "Silu" && a.domain == "edgewm") return set("silu");  // (fuse_silu ran before)
  if (!a.domain.empty()) return false;
  if (a.op_type == "Relu") return set("relu");
  if (a.op_type == "Sigmoid") return set("sigmoid");
  if (a.op_type == "HardSwish") return set("hardswish");
  if (a.op_type == "HardSigmoid")
    return set("hardsigmoid", 0, 0, a.attrs.get_float("alpha", 0.2f), a.attrs.get_float("beta", 0.5f));
  if (a.op_type == "LeakyRelu") return set("leaky_relu", 0, 0, a.attrs.get_float("alpha", 0.01f));
  if (a.op_type == "Clip") {  // min/max are inputs at every opset once imported (ir/canonicalize.cc)
    float lo = -inf, hi = inf;
    if (!scalar_input(g, a, 1, -inf, lo) || !scalar_input(g, a, 2, inf, hi)) return false;
    return set("clip", lo, hi);
  }
  return false;
}

int fuse_conv_activation(Graph& g) {
  const auto readers = rewrite::readers(g);
  rewrite::Splicer splicer;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& conv = g.nodes[k];
    const bool plain = conv.op_type == "Conv" && conv.domain.empty();
    const bool fused = conv.op_type == "FusedConv" && conv.domain == "edgewm";
    if ((!plain && !fused) || conv.outputs.size() != 1 || splicer.taken(k)) continue;
    if (fused && conv.attrs.get_string("activation", "none") != "none") continue;
    const ValueId y = conv.outputs[0];
    if (g.value(y).dtype != DType::kF32 || g.is_graph_output(y)) continue;
    const auto& r = readers[static_cast<size_t>(y)];
    if (r.size() != 1 || splicer.taken(r[0])) continue;
    const Node& act = g.nodes[r[0]];
    if (act.inputs[0] != y) continue;
    Node n = conv;
    if (!conv_activation_attrs(g, act, n.attrs)) continue;
    if (plain) {
      n.op_type = "FusedConv";
      n.domain = "edgewm";
      n.opset = 1;
      n.inputs.resize(3, kNoValue);  // the bias slot stays (maybe empty); no addend
    }
    n.name = act.name + "/fused_conv_act";
    n.outputs = act.outputs;
    splicer.replace({k, r[0]}, r[0], std::move(n));
  }
  return splicer.apply(g);
}

}  // namespace edgewm
