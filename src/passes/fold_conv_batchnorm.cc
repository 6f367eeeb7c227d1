// Conv -> BatchNormalization (inference, constant statistics) becomes one Conv with scaled
// weights and a shifted bias: W'[m] = W[m] * g[m] / sqrt(var[m] + eps),
// b'[m] = (b[m] - mean[m]) * g[m] / sqrt(var[m] + eps) + beta[m], computed in double.
#include <cmath>

#include "passes/fuse.h"
#include "passes/rewrite.h"

namespace edgewm {

namespace {

const float* f32_vector(const Graph& g, ValueId v, int64_t n) {
  if (v == kNoValue) return nullptr;
  const Value& val = g.value(v);
  if (!val.is_constant() || val.dtype != DType::kF32 || val.constant.numel() != n) return nullptr;
  return static_cast<const float*>(val.constant.data);
}

}  // namespace

int fold_conv_batchnorm(Graph& g) {
  const auto readers = rewrite::readers(g);
  rewrite::Splicer splicer;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& conv = g.nodes[k];
    if (conv.op_type != "Conv" || !conv.domain.empty() || conv.inputs.size() < 2) continue;
    const Value& w = g.value(conv.inputs[1]);
    if (!w.is_constant() || w.dtype != DType::kF32 || w.shape.rank() < 3) continue;
    const int64_t m = w.shape[0], per = w.constant.numel() / m;
    const bool has_bias = conv.inputs.size() > 2 && conv.inputs[2] != kNoValue;
    const float* bias = has_bias ? f32_vector(g, conv.inputs[2], m) : nullptr;
    if (has_bias && !bias) continue;
    const ValueId y = conv.outputs[0];
    const auto& r = readers[static_cast<size_t>(y)];
    if (r.size() != 1 || g.is_graph_output(y) || splicer.taken(r[0])) continue;
    const Node& bn = g.nodes[r[0]];
    if (bn.op_type != "BatchNormalization" || !bn.domain.empty() || bn.inputs.size() != 5 || bn.outputs.size() != 1 ||
        bn.inputs[0] != y || bn.attrs.get_int("training_mode", 0) != 0)
      continue;
    const float *scale = f32_vector(g, bn.inputs[1], m), *beta = f32_vector(g, bn.inputs[2], m),
                *mean = f32_vector(g, bn.inputs[3], m), *var = f32_vector(g, bn.inputs[4], m);
    if (!scale || !beta || !mean || !var) continue;
    const double eps = bn.attrs.get_float("epsilon", 1e-5f);
    Tensor nw(DType::kF32, w.shape), nb(DType::kF32, Shape{m});
    const float* wp = static_cast<const float*>(w.constant.data);
    for (int64_t o = 0; o < m; ++o) {
      const double a = scale[o] / std::sqrt(static_cast<double>(var[o]) + eps);
      for (int64_t i = 0; i < per; ++i) nw.as<float>()[o * per + i] = static_cast<float>(wp[o * per + i] * a);
      nb.as<float>()[o] = static_cast<float>(((bias ? bias[o] : 0.0) - mean[o]) * a + beta[o]);
    }
    Node n = conv;
    n.name = conv.name + "+" + bn.name;
    n.inputs = {conv.inputs[0], g.add_constant(n.name + "/folded_weight", std::move(nw)),
                g.add_constant(n.name + "/folded_bias", std::move(nb))};
    n.outputs = {bn.outputs[0]};
    splicer.replace({k, r[0]}, r[0], std::move(n));
  }
  return splicer.apply(g);
}

}  // namespace edgewm
