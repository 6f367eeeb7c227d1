#include "runtime/cost_model.h"

#include <map>

namespace edgewm {

namespace {

const Shape& shape_of(const Graph& g, ValueId id) { return g.value(id).shape; }

int64_t einsum_macs(const Node& n, const Graph& g) {
  // Every distinct label is iterated once: the product of their sizes.
  std::string_view eq = n.attrs.get_string("equation", "");
  std::string lhs(eq.substr(0, eq.find("->")));
  std::map<char, int64_t> sizes;
  size_t operand = 0, axis = 0;
  for (char c : lhs) {
    if (c == ',') {
      ++operand;
      axis = 0;
    } else if (std::isalpha(static_cast<unsigned char>(c)) && operand < n.inputs.size()) {
      const Shape& s = shape_of(g, n.inputs[operand]);
      if (static_cast<int>(axis) < s.rank()) sizes[c] = s[static_cast<int>(axis)];
      ++axis;
    } else if (c == '.') {
      return 0;  // ellipsis: no estimate
    }
  }
  int64_t macs = 1;
  for (const auto& [c, d] : sizes) macs *= d;
  return macs;
}

}  // namespace

int64_t node_macs(const Node& n, const Graph& g) {
  if (n.inputs.empty() || n.outputs.empty() || n.outputs[0] == kNoValue || n.inputs[0] == kNoValue) return 0;
  const Shape& out = shape_of(g, n.outputs[0]);
  const Shape& in = shape_of(g, n.inputs[0]);
  const std::string& op = n.op_type;
  // edgewm.FusedConv (formerly ConvAdd) is a Conv (plus an epilogue the cost model does not count).
  // The integer ops count their multiply-adds like the float ones (the weights are input 3 of
  // QLinearConv and edgewm.QLinearConv; input 1 of ConvInteger).
  const bool qconv = op == "QLinearConv" && (n.domain.empty() || n.domain == "edgewm") && n.inputs.size() > 3;
  if (((op == "Conv" || op == "ConvInteger") && n.domain.empty() && n.inputs.size() > 1) || qconv ||
      ((op == "FusedConv" || op == "ConvAdd") && n.domain == "edgewm" && n.inputs.size() > 1)) {
    const Shape& w = shape_of(g, n.inputs[qconv ? 3 : 1]);  // [M, C/group, k...]
    int64_t per_output = 1;
    for (int i = 1; i < w.rank(); ++i) per_output *= w[i];
    return out.numel() * per_output;
  }
  // edgewm.UpsampleConv counts the 3x3 convolution on the upsampled image it replaces (as
  // Winograd layers count direct convolution), so fusing does not change a model's GFLOP.
  if (op == "UpsampleConv" && n.domain == "edgewm" && n.inputs.size() > 1) return out.numel() * in[1] * 9;
  if (op == "ConvTranspose" && n.inputs.size() > 1) {
    const Shape& w = shape_of(g, n.inputs[1]);  // [C, M/group, k...]
    int64_t per_input = 1;
    for (int i = 1; i < w.rank(); ++i) per_input *= w[i];
    return in.numel() * per_input;
  }
  if (op == "Gemm" && n.inputs.size() > 1) {
    int64_t k = n.attrs.get_int("transA", 0) ? in[0] : in[in.rank() - 1];
    return out.numel() * k;
  }
  if ((op == "MatMul" || op == "MatMulInteger" || op == "QLinearMatMul") && in.rank() >= 1) return out.numel() * in[in.rank() - 1];
  if (op == "Einsum") return einsum_macs(n, g);
  return 0;
}

}  // namespace edgewm
