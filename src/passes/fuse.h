#pragma once
// Graph fusion at compile time: patterns that exporters spell as chains of small ops become
// one op with a fast kernel, so the feature map is read and written once instead of per op.
// Each pass is its own function (and file) and can be run and tested alone; fuse_graph runs
// them all in order. Counts per pass are reported (edgewm compile / inspect print them).
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"

namespace edgewm {

using FusionReport = std::vector<std::pair<std::string, int>>;  // (pass, rewrites) in run order

// DequantizeLinear -> an op that only moves or selects values (Reshape, Transpose, Concat,
// Slice, Squeeze, Unsqueeze, Flatten, DepthToSpace, SpaceToDepth, MaxPool, nearest Resize) -> QuantizeLinear,
// with one per-tensor scale and zero point throughout: the op on the 8-bit values (exact).
// Runs first, so fuse_qdq sees integer ops through the reshapes.
int fold_qdq_movement(Graph& g);
// DequantizeLinear -> an elementwise op (scalar constants aside) -> QuantizeLinear, per tensor:
// edgewm.Lookup, the op's 256 results on the input's values as a table (fold_qdq_lut.cc).
int fold_qdq_lut(Graph& g);
// DequantizeLinear(a), DequantizeLinear(b) -> Add / Mul -> QuantizeLinear, per tensor, operands of
// the result's shape or single-valued: edgewm.QLinearAdd / QLinearMul (fuse_qdq_binary.cc).
int fuse_qdq_binary(Graph& g);
// The edgewm.FusedConv / edgewm.QLinearConv activation attributes ("activation",
// "activation_min"...) for activation node `a` (Relu, Clip, HardSwish, HardSigmoid, LeakyRelu,
// Sigmoid, edgewm.Silu), or false when it is none of those (fuse_conv_activation.cc).
bool conv_activation_attrs(const Graph& g, const Node& a, Attributes& attrs);
// DequantizeLinear(x), DequantizeLinear(constant int8 w) -> Conv / MatMul -> QuantizeLinear (the
// QDQ form of an integer op) -> QLinearConv / QLinearMatMul (int32 bias); then the
// DequantizeLinear nodes left with constant inputs are folded. Runs first: the float passes
// below must not rewrite a Conv that is half of an integer one. A group is fused only where a
// kernel other than the reference one runs the integer op on this build (fuse_qdq_with(g,
// false): always, for tests of the pass itself).
int fuse_qdq(Graph& g);
int fuse_qdq_with(Graph& g, bool require_fast_kernel);
// Conv -> BatchNormalization (inference, constant statistics) -> one Conv, weights and bias
// rescaled.
int fold_conv_batchnorm(Graph& g);
// x * 1, x / 1, x + 0, x - 0 with a constant that does not broadcast x: removed (exporters
// leave them, e.g. diffusers' `/ output_scale_factor` with factor 1).
int remove_identity_arithmetic(Graph& g);
// Reshape [N, G, -1] -> InstanceNormalization (scale 1, bias 0) -> Reshape back -> Mul(gamma)
// -> Add(beta), PyTorch's GroupNorm export, -> edgewm.GroupNorm(x, gamma, beta).
int fuse_group_norm(Graph& g);
// Mul(x, Sigmoid(x)) -> edgewm.Silu(x).
int fuse_silu(Graph& g);
// edgewm.GroupNorm -> edgewm.Silu (the norm's only reader) -> GroupNorm with activation silu.
int fuse_group_norm_silu(Graph& g);
// DequantizeLinear -> edgewm.GroupNorm -> QuantizeLinear (per tensor): the Q/DQ folded into the
// GroupNorm's optional inputs 3-6 (8-bit in and out, float math inside).
int fuse_qdq_norm(Graph& g);

// Resize(nearest, 2x) -> Conv(3x3, stride 1, pad 1) -> edgewm.UpsampleConv on the small input,
// the 3x3 weights summed into one 2x2 kernel per output phase.
int fuse_upsample_conv(Graph& g);
// Conv -> Add(residual of the same shape, or one value per channel) -> edgewm.FusedConv.
int fuse_conv_add(Graph& g);

// Conv or edgewm.FusedConv -> Relu / Clip / HardSwish / HardSigmoid / LeakyRelu / Sigmoid /
// edgewm.Silu (its only reader) -> edgewm.FusedConv applying the activation as its epilogue.
int fuse_conv_activation(Graph& g);

// Every pass of the registry (passes/pass_registry.h) for the CPU, in order.
FusionReport fuse_graph(Graph& g);

}  // namespace edgewm
