#include "passes/pass_registry.h"

#include <algorithm>

#include "edgewm/error.h"
#include "passes/fuse.h"

namespace edgewm {

const std::vector<GraphPass>& graph_passes() {
  static const std::vector<GraphPass> passes = {
      {"fold-qdq-movement",
       "DequantizeLinear -> Reshape/Transpose/Concat/Slice/Squeeze/Unsqueeze/Flatten/MaxPool/nearest Resize... -> "
       "QuantizeLinear, "
       "one scale and zero point: the op on the integers",
       {"cpu"}, fold_qdq_movement, "Q/DQ around data movement folded"},
      {"fold-qdq-lut", "DequantizeLinear -> elementwise op -> QuantizeLinear (per tensor): edgewm.Lookup, a 256-entry table",
       {"cpu"}, fold_qdq_lut, "Q/DQ elementwise groups made tables"},
      {"fuse-qdq-binary",
       "DequantizeLinear x2 -> Add/Mul -> QuantizeLinear (per tensor): edgewm.QLinearAdd/QLinearMul on the 8-bit values",
       {"cpu"}, fuse_qdq_binary, "Q/DQ binary groups made integer ops"},
      {"fuse-qdq",
       "DequantizeLinear -> Conv/MatMul -> QuantizeLinear: QLinearConv/QLinearMatMul; constant DequantizeLinear folded",
       {"cpu"}, fuse_qdq, "QDQ groups made integer ops"},
      {"fold-conv-batchnorm", "Conv -> BatchNormalization with constant statistics: one Conv, weights rescaled",
       {"cpu"}, fold_conv_batchnorm, "BatchNorm folded into Conv"},
      {"remove-identity-arithmetic", "x*1, x/1, x+0, x-0 whose constant does not broadcast x: removed", {"cpu"},
       remove_identity_arithmetic, "identity arithmetic removed"},
      {"fuse-group-norm", "PyTorch's GroupNorm export (Reshape, InstanceNorm, Reshape, Mul, Add): edgewm.GroupNorm",
       {"cpu"}, fuse_group_norm, "GroupNorm chains fused"},
      {"fuse-silu", "Mul(x, Sigmoid(x)): edgewm.Silu", {"cpu"}, fuse_silu, "SiLU fused"},
      {"fuse-group-norm-silu", "edgewm.GroupNorm -> edgewm.Silu: GroupNorm with activation silu", {"cpu"},
       fuse_group_norm_silu, "GroupNorm + SiLU merged"},
      {"fuse-qdq-norm", "DequantizeLinear -> edgewm.GroupNorm -> QuantizeLinear: 8-bit in and out, float math inside",
       {"cpu"}, fuse_qdq_norm, "Q/DQ folded into GroupNorm"},
      {"fuse-upsample-conv", "nearest 2x Resize -> 3x3 'same' Conv: edgewm.UpsampleConv (four 2x2 phase kernels)",
       {"cpu"}, fuse_upsample_conv, "nearest 2x Resize + Conv fused"},
      {"fuse-conv-add", "Conv -> Add (residual, or one value per channel): edgewm.FusedConv", {"cpu"}, fuse_conv_add,
       "Conv + Add fused"},
      {"fuse-conv-activation",
       "Conv/FusedConv -> Relu, Clip, HardSwish, HardSigmoid, LeakyRelu, Sigmoid, Silu: the conv's epilogue", {"cpu"},
       fuse_conv_activation, "Conv + activation fused"},
      {"concat-in-place", "channel Concat: its inputs planned as slices of its output (the copy is skipped)", {"cpu"},
       nullptr, "Concat written in place"},
  };
  return passes;
}

const GraphPass* find_pass(const std::string& name) {
  for (const GraphPass& p : graph_passes())
    if (p.name == name) return &p;
  return nullptr;
}

bool PassSelection::enabled(const GraphPass& p) const {
  return !disabled.count(p.name) && std::find(p.targets.begin(), p.targets.end(), target) != p.targets.end();
}

std::vector<std::pair<std::string, int>> run_graph_passes(Graph& g, const PassSelection& selection) {
  for (const std::string& name : selection.disabled) {
    if (find_pass(name)) continue;
    std::string known;
    for (const GraphPass& p : graph_passes()) known += (known.empty() ? "" : ", ") + p.name;
    throw Error(ErrorKind::kInvalidArgument, "unknown pass '" + name + "' (passes: " + known + ")");
  }
  std::vector<std::pair<std::string, int>> report;
  for (const GraphPass& p : graph_passes())
    if (p.run && selection.enabled(p)) report.emplace_back(p.report, p.run(g));
  return report;
}

}  // namespace edgewm
