// The ARM64 fast kernels: f32 Conv (im2col and Winograd), edgewm.UpsampleConv, Gemm and MatMul
// through the NEON micro-kernel, chosen over the reference kernels unless EDGEWM_ISA=scalar.
#include "ir/op_registry.h"
#include "kernels/conv_winograd.h"
#include "kernels/cpu_features.h"
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
void gemm(const KernelContext& ctx) { gemm_f32_with(ctx, gemm_micro_f32(Isa::kNeon)); }
void matmul(const KernelContext& ctx) { matmul_f32_with(ctx, gemm_micro_f32(Isa::kNeon)); }
void upsample_conv(const KernelContext& ctx) { upsample_conv_f32_with(ctx, gemm_micro_f32(Isa::kNeon)); }

}  // namespace

void register_arm_ops(OpRegistry& r) {
  for (const char* op : {"Conv", "ConvAdd"}) {
    const std::string_view domain = std::string_view(op) == "Conv" ? "" : "edgewm";
    r.add_kernel(op, KernelDef{"neon", conv, supports_f32, 10, conv_scratch}, domain);
    r.add_kernel(op, KernelDef{"neon.winograd", conv_winograd, supports_winograd, 110, winograd_f23_scratch,
                               winograd_f23_prepare}, domain);
  }
  r.add_kernel("Gemm", KernelDef{"neon", gemm, supports_f32, 10, gemm_scratch});
  r.add_kernel("MatMul", KernelDef{"neon", matmul, supports_f32, 10, matmul_scratch});
  r.add_kernel("UpsampleConv", KernelDef{"neon", upsample_conv, supports_f32, 10, upsample_conv_scratch_bytes}, "edgewm");
}

}  // namespace edgewm
