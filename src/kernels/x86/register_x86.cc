// The x86 fast kernels: f32 Conv, Gemm and MatMul through the AVX2 / AVX-512 micro-kernels,
// chosen over the reference kernels when the CPU (capped by EDGEWM_ISA) has the ISA.
#include <algorithm>

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

template <Isa kIsa> bool supports_f32(const Node& n, const Graph& g) {
  return static_cast<int>(cpu_isa()) >= static_cast<int>(kIsa) && g.value(n.inputs[0]).dtype == DType::kF32;
}

template <Isa kIsa> void conv(const KernelContext& ctx) { conv_f32_with(ctx, gemm_micro_f32(kIsa)); }
template <Isa kIsa> bool supports_winograd(const Node& n, const Graph& g) {
  return supports_f32<kIsa>(n, g) && winograd_f23_supports(n, g);
}
template <Isa kIsa> void conv_winograd(const KernelContext& ctx) {
  conv_winograd_f23(ctx, gemm_micro_f32(kIsa), winograd_transforms(kIsa));
}
template <Isa kIsa> bool supports_depthwise(const Node& n, const Graph& g) {
  return supports_f32<kIsa>(n, g) && is_depthwise_conv(n, g);
}
template <Isa kIsa> void conv_depthwise(const KernelContext& ctx) { conv_depthwise_f32(ctx, depthwise_plane_f32(kIsa)); }

template <Isa kIsa> void gemm(const KernelContext& ctx) { gemm_f32_with(ctx, gemm_micro_f32(kIsa)); }
template <Isa kIsa> void matmul(const KernelContext& ctx) { matmul_f32_with(ctx, gemm_micro_f32(kIsa)); }
template <Isa kIsa> void upsample_conv(const KernelContext& ctx) { upsample_conv_f32_with(ctx, gemm_micro_f32(kIsa)); }
template <Isa kIsa> void einsum(const KernelContext& ctx) { einsum_f32_with(ctx, gemm_micro_f32(kIsa)); }

template <Isa kIsa> void sigmoid(const KernelContext& ctx) { sigmoid_f32(ctx, *row_kernels_f32(kIsa)); }
template <Isa kIsa> void silu(const KernelContext& ctx) { silu_f32(ctx, *row_kernels_f32(kIsa)); }
template <Isa kIsa> void group_norm(const KernelContext& ctx) { group_norm_f32(ctx, *row_kernels_f32(kIsa)); }
template <Isa kIsa> void instance_norm(const KernelContext& ctx) { instance_norm_f32(ctx, *row_kernels_f32(kIsa)); }
template <Isa kIsa> void softmax(const KernelContext& ctx) { softmax_f32(ctx, *row_kernels_f32(kIsa)); }
template <Isa kIsa> bool supports_softmax(const Node& n, const Graph& g) {
  return supports_f32<kIsa>(n, g) && softmax_rows_supports(n, g);
}

template <Isa kIsa> void register_isa(OpRegistry& r, int priority) {
  const std::string name = isa_name(kIsa);
  // Conv and edgewm.FusedConv (Conv + the Add after it) share every kernel.
  for (const char* op : {"Conv", "FusedConv", "ConvAdd"}) {  // ConvAdd: FusedConv's former name
    const std::string_view domain = std::string_view(op) == "Conv" ? "" : "edgewm";
    r.add_kernel(op, KernelDef{name, conv<kIsa>, supports_f32<kIsa>, priority, conv_scratch}, domain);
    r.add_kernel(op, KernelDef{name + ".depthwise", conv_depthwise<kIsa>, supports_depthwise<kIsa>, priority + 50,
                               depthwise_scratch}, domain);
    // Above every im2col kernel, where it applies.
    r.add_kernel(op, KernelDef{name + ".winograd", conv_winograd<kIsa>, supports_winograd<kIsa>, priority + 100,
                               winograd_f23_scratch, winograd_f23_prepare}, domain);
  }
  r.add_kernel("Gemm", KernelDef{name, gemm<kIsa>, supports_f32<kIsa>, priority, gemm_scratch});
  r.add_kernel("MatMul", KernelDef{name, matmul<kIsa>, supports_f32<kIsa>, priority, matmul_scratch});
  r.add_kernel("Einsum", KernelDef{name, einsum<kIsa>, supports_f32<kIsa>, priority, einsum_scratch});
  r.add_kernel("Sigmoid", KernelDef{name, sigmoid<kIsa>, supports_f32<kIsa>, priority, nullptr});
  r.add_kernel("Softmax", KernelDef{name, softmax<kIsa>, supports_softmax<kIsa>, priority, nullptr});
  r.add_kernel("InstanceNormalization", KernelDef{name, instance_norm<kIsa>, supports_f32<kIsa>, priority, nullptr});
  r.add_kernel("Silu", KernelDef{name, silu<kIsa>, supports_f32<kIsa>, priority, nullptr}, "edgewm");
  r.add_kernel("GroupNorm", KernelDef{name, group_norm<kIsa>, supports_f32<kIsa>, priority, nullptr}, "edgewm");
  r.add_kernel("UpsampleConv",
               KernelDef{name, upsample_conv<kIsa>, supports_f32<kIsa>, priority, upsample_conv_scratch_bytes}, "edgewm");
}

}  // namespace

void register_x86_ops(OpRegistry& r) {
  register_isa<Isa::kAvx2>(r, 10);
  register_isa<Isa::kAvx512>(r, 20);
}

}  // namespace edgewm
