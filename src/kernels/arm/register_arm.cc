// The ARM64 fast kernels, chosen over the reference kernels unless EDGEWM_ISA=scalar: f32 Conv
// (im2col and Winograd through the NEON GEMM micro-kernel, depthwise), edgewm.UpsampleConv,
// Gemm, MatMul, and the NEON rows of Sigmoid, SiLU, GroupNorm and InstanceNormalization.
#include "ir/op_registry.h"
#include "kernels/conv_winograd.h"
#include "kernels/cpu_features.h"
#include "kernels/depthwise_conv.h"
#include "kernels/row_kernels.h"
#include "kernels/conv/conv_im2col.h"
#include "kernels/ref/nn.h"
#include "kernels/register_ops.h"

namespace edgewm {

namespace {

bool supports_f32(const Node& n, const Graph& g) {
  return cpu_isa() == Isa::kNeon && g.value(n.inputs[0]).dtype == DType::kF32;
}
void conv(const KernelContext& ctx) { conv_f32_with(ctx, gemm_micro_f32(Isa::kNeon)); }
bool supports_winograd(const Node& n, const Graph& g) { return supports_f32(n, g) && winograd_f23_supports(n, g); }
void conv_winograd(const KernelContext& ctx) {
  conv_winograd_f23(ctx, gemm_micro_f32(Isa::kNeon), winograd_transforms(Isa::kNeon));
}
bool supports_depthwise(const Node& n, const Graph& g) { return supports_f32(n, g) && is_depthwise_conv(n, g); }
void conv_depthwise(const KernelContext& ctx) { conv_depthwise_f32(ctx, depthwise_plane_f32(Isa::kNeon)); }
void sigmoid(const KernelContext& ctx) { sigmoid_f32(ctx, *row_kernels_f32(Isa::kNeon)); }
void silu(const KernelContext& ctx) { silu_f32(ctx, *row_kernels_f32(Isa::kNeon)); }
void group_norm(const KernelContext& ctx) { group_norm_f32(ctx, *row_kernels_f32(Isa::kNeon)); }
void instance_norm(const KernelContext& ctx) { instance_norm_f32(ctx, *row_kernels_f32(Isa::kNeon)); }
void softmax(const KernelContext& ctx) { softmax_f32(ctx, *row_kernels_f32(Isa::kNeon)); }
bool supports_softmax(const Node& n, const Graph& g) { return supports_f32(n, g) && softmax_rows_supports(n, g); }
void gemm(const KernelContext& ctx) { gemm_f32_with(ctx, gemm_micro_f32(Isa::kNeon)); }
void matmul(const KernelContext& ctx) { matmul_f32_with(ctx, gemm_micro_f32(Isa::kNeon)); }
void upsample_conv(const KernelContext& ctx) { upsample_conv_f32_with(ctx, gemm_micro_f32(Isa::kNeon)); }
void einsum(const KernelContext& ctx) { einsum_f32_with(ctx, gemm_micro_f32(Isa::kNeon)); }

}  // namespace

void register_arm_ops(OpRegistry& r) {
  for (const char* op : {"Conv", "FusedConv", "ConvAdd"}) {  // ConvAdd: FusedConv's former name
    const std::string_view domain = std::string_view(op) == "Conv" ? "" : "edgewm";
    r.add_kernel(op, KernelDef{"neon", conv, supports_f32, 10, conv_scratch}, domain);
    r.add_kernel(op, KernelDef{"neon.depthwise", conv_depthwise, supports_depthwise, 60, depthwise_scratch}, domain);
    r.add_kernel(op, KernelDef{"neon.winograd", conv_winograd, supports_winograd, 110, winograd_f23_scratch,
                               winograd_f23_prepare}, domain);
  }
  r.add_kernel("Gemm", KernelDef{"neon", gemm, supports_f32, 10, gemm_scratch});
  r.add_kernel("MatMul", KernelDef{"neon", matmul, supports_f32, 10, matmul_scratch});
  r.add_kernel("Einsum", KernelDef{"neon", einsum, supports_f32, 10, einsum_scratch});
  r.add_kernel("Sigmoid", KernelDef{"neon", sigmoid, supports_f32, 10, nullptr});
  r.add_kernel("Softmax", KernelDef{"neon", softmax, supports_softmax, 10, nullptr});
  r.add_kernel("InstanceNormalization", KernelDef{"neon", instance_norm, supports_f32, 10, nullptr});
  r.add_kernel("Silu", KernelDef{"neon", silu, supports_f32, 10, nullptr}, "edgewm");
  r.add_kernel("GroupNorm", KernelDef{"neon", group_norm, supports_f32, 10, nullptr}, "edgewm");
  r.add_kernel("UpsampleConv", KernelDef{"neon", upsample_conv, supports_f32, 10, upsample_conv_scratch_bytes}, "edgewm");
}

}  // namespace edgewm
