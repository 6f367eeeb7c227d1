#pragma once
// The fast integer QLinearConv and QLinearMatMul (what the fuse-qdq pass makes of DQ -> Conv /
// MatMul -> Q), on the blocked integer GEMM (gemm/qgemm_blocked.h) with one ISA's micro-kernels:
// weights packed once per model (prepare), the zero points and scales folded into per-channel
// constants, the output requantised from the int32 tile while it is in cache. Bit-exact with
// the reference kernels (kernels/ref/quant_linear.cc). They take nodes whose scales, zero
// points, weights and bias are constants, scales per tensor except the weights' (per output
// channel / column), and weights whose zero point leaves them within s8 (symmetric s8, or u8
// around 128). Which micro-kernel: the byte ones (u8 x s8) where the weights are pair-safe
// (qgemm_micro.h: 7-bit weights always are), the exact 16-bit one otherwise and for
// activation x activation products.
#include "ir/op_registry.h"
#include "kernels/gemm/qgemm_micro.h"

namespace edgewm {

bool qlinear_conv_supports(const Node& n, const Graph& g);
size_t qlinear_conv_scratch(const Node& n, const Graph& g);
std::shared_ptr<const void> qlinear_conv_prepare(const KernelContext& ctx, const Graph& g);
// For tables whose byte kernels sum exactly (QGemmKernels::c4_exact: VNNI, sdot): any s8 weights
// take them, not only pair-safe ones.
std::shared_ptr<const void> qlinear_conv_prepare_exact(const KernelContext& ctx, const Graph& g);
void qlinear_conv_with(const KernelContext& ctx, const QGemmKernels& k);

// 3x3 stride-1 QLinearConv by exact integer Winograd, F(2x2, 3x3) and F(4x4, 3x3) (the latter
// where the weights' sums prove it exact; qlinear_winograd.cc): rank above the im2col kernel
// where they apply, F(4x4) first.
bool qlinear_winograd_supports(const Node& n, const Graph& g);
size_t qlinear_winograd_scratch(const Node& n, const Graph& g);
std::shared_ptr<const void> qlinear_winograd_prepare(const KernelContext& ctx, const Graph& g);
void qlinear_winograd_with(const KernelContext& ctx, const QGemmKernels& k);
bool qlinear_winograd43_supports(const Node& n, const Graph& g);
size_t qlinear_winograd43_scratch(const Node& n, const Graph& g);
std::shared_ptr<const void> qlinear_winograd43_prepare(const KernelContext& ctx, const Graph& g);
void qlinear_winograd43_with(const KernelContext& ctx, const QGemmKernels& k);
// Whether F(E x E) (E = 2 or 4) still beats im2col where the byte kernels sum exactly
// (QGemmKernels::c4_exact), a byte product then costing half a 16-bit one or less.
bool qlinear_winograd_beats_exact_bytes(const Node& n, const Graph& g, int e);

// Depthwise 2-D QLinearConv (group = channels, one filter each) on direct int32 rows
// (qlinear_depthwise.cc): above im2col, where it applies.
bool qlinear_depthwise_supports(const Node& n, const Graph& g);
size_t qlinear_depthwise_scratch(const Node& n, const Graph& g);
std::shared_ptr<const void> qlinear_depthwise_prepare(const KernelContext& ctx, const Graph& g);
void qlinear_depthwise_with(const KernelContext& ctx, const QGemmKernels& k);

bool qlinear_matmul_supports(const Node& n, const Graph& g);
size_t qlinear_matmul_scratch(const Node& n, const Graph& g);
std::shared_ptr<const void> qlinear_matmul_prepare(const KernelContext& ctx, const Graph& g);
std::shared_ptr<const void> qlinear_matmul_prepare_exact(const KernelContext& ctx, const Graph& g);
void qlinear_matmul_with(const KernelContext& ctx, const QGemmKernels& k);

// Which micro-kernel kind a node's prepared plan runs: for tests and `inspect`.
QOperands qlinear_conv_operands(const void* prepared);
QOperands qlinear_matmul_operands(const void* prepared);

// Both with the portable micro-kernels ("portable", any CPU).
void register_portable_qlinear(OpRegistry& r);

}  // namespace edgewm
