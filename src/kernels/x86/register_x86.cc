// The x86 fast kernels: f32 Conv, Gemm and MatMul through the AVX2 / AVX-512 micro-kernels,
// chosen over the reference kernels when the CPU (capped by EDGEWM_ISA) has the ISA.
#include <algorithm>

#include "ir/op_registry.h"
#include "kernels/conv_winograd.h"
#include "kernels/cpu_features.h"
#include "kernels/x86/activations.h"
#include "kernels/x86/depthwise_conv.h"
#include "kernels/x86/norm.h"
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

template <Isa kIsa> void sigmoid(const KernelContext& ctx) {
  const float* x = ctx.in(0).as<float>();
  float* y = ctx.out(0).as<float>();
  const int64_t n = ctx.in(0).numel();
  ctx.pool->parallel_for(n, 16384, [&](int64_t b, int64_t e) {
    if constexpr (kIsa == Isa::kAvx512) sigmoid_f32_avx512(x + b, y + b, e - b);
    else sigmoid_f32_avx2(x + b, y + b, e - b);
  });
}

template <Isa kIsa> void silu(const KernelContext& ctx) {
  const float* x = ctx.in(0).as<float>();
  float* y = ctx.out(0).as<float>();
  const int64_t n = ctx.in(0).numel();
  ctx.pool->parallel_for(n, 16384, [&](int64_t b, int64_t e) {
    if constexpr (kIsa == Isa::kAvx512) silu_f32_avx512(x + b, y + b, e - b);
    else silu_f32_avx2(x + b, y + b, e - b);
  });
}

// edgewm.GroupNorm: per (n, group) the moments over the group, then per channel scale, shift
// and the optional SiLU in one more pass over data still in cache.
template <Isa kIsa> void group_norm(const KernelContext& ctx) {
  const TensorView& xv = ctx.in(0);
  const int64_t N = xv.shape[0], C = xv.shape[1], G = ctx.attrs().get_int("num_groups", 1);
  const int64_t spatial = N * C != 0 ? xv.numel() / (N * C) : 0, cg = C / G, inner = cg * spatial;
  if (inner == 0) return;
  const bool act = ctx.attrs().get_string("activation", "none") == "silu";
  const float eps = ctx.attrs().get_float("epsilon", 1e-5f);
  const float *x = xv.as<float>(), *scale = ctx.in(1).as<float>(), *bias = ctx.in(2).as<float>();
  float* y = ctx.out(0).as<float>();
  ctx.pool->parallel_for(N * G, std::max<int64_t>(1, 16384 / inner), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t c0 = (r % G) * cg;
      float* yr = y + r * inner;
      if constexpr (kIsa == Isa::kAvx512) normalize_row_f32_avx512(x + r * inner, yr, inner, 1.f, 0.f, eps);
      else normalize_row_f32_avx2(x + r * inner, yr, inner, 1.f, 0.f, eps);
      for (int64_t c = 0; c < cg; ++c) {
        float* yc = yr + c * spatial;
        if constexpr (kIsa == Isa::kAvx512) affine_act_f32_avx512(yc, yc, spatial, scale[c0 + c], bias[c0 + c], act);
        else affine_act_f32_avx2(yc, yc, spatial, scale[c0 + c], bias[c0 + c], act);
      }
    }
  });
}

// InstanceNormalization over [N, C, spatial...]: one row per (n, c).
template <Isa kIsa> void instance_norm(const KernelContext& ctx) {
  const TensorView& xv = ctx.in(0);
  const int64_t rows = xv.shape[0] * xv.shape[1], c = xv.shape[1];
  const int64_t inner = rows ? xv.numel() / rows : 0;
  if (inner == 0) return;
  const float eps = ctx.attrs().get_float("epsilon", 1e-5f);
  const float *x = xv.as<float>(), *scale = ctx.in(1).as<float>(), *bias = ctx.in(2).as<float>();
  float* y = ctx.out(0).as<float>();
  ctx.pool->parallel_for(rows, std::max<int64_t>(1, 16384 / inner), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      if constexpr (kIsa == Isa::kAvx512)
        normalize_row_f32_avx512(x + r * inner, y + r * inner, inner, scale[r % c], bias[r % c], eps);
      else
        normalize_row_f32_avx2(x + r * inner, y + r * inner, inner, scale[r % c], bias[r % c], eps);
    }
  });
}

template <Isa kIsa> void register_isa(OpRegistry& r, int priority) {
  const std::string name = isa_name(kIsa);
  // Conv and edgewm.ConvAdd (Conv + the Add after it) share every kernel.
  for (const char* op : {"Conv", "ConvAdd"}) {
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
  r.add_kernel("Sigmoid", KernelDef{name, sigmoid<kIsa>, supports_f32<kIsa>, priority, nullptr});
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
