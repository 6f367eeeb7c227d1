#pragma once
// Per-ISA f32 row kernels: normalisation rows and exp-based activations, one implementation per
// ISA in its own file (x86/norm_*.cc, x86/activations_*.cc, arm/row_kernels_neon.cc), reached
// through the ISA tables (kernels/isa_table.h); the op kernels around them (Sigmoid, edgewm.Silu, edgewm.GroupNorm,
// InstanceNormalization) are shared (row_kernels.cc).
// Accuracy: activations within 2 ulp-ish of libm (relative error < 2e-7 on normal outputs);
// normalisation takes the moments in two passes (mean, then squared deviations), so the
// variance stays accurate without doubles.
#include <cstdint>

#include "ir/op_registry.h"
#include "kernels/gemm/qgemm_micro.h"
#include "kernels/ref/softmax_row.h"

namespace edgewm {

struct RowKernelsF32 {
  // y = (x - mean) / sqrt(var + eps) * scale + bias over one contiguous row.
  void (*normalize_row)(const float* x, float* y, int64_t n, float scale, float bias, float eps);
  // y = a x + b, then SiLU when `silu` (a normalised channel's scale, shift and activation).
  void (*affine_act)(const float* x, float* y, int64_t n, float a, float b, bool silu);
  void (*sigmoid)(const float* x, float* y, int64_t n);
  void (*silu)(const float* x, float* y, int64_t n);  // x * sigmoid(x)
  // y = exp(x - max) / sum over one row; a row with a NaN or an infinity takes the scalar path
  // below (the vector exp clamps its input), so such rows come out as the reference's.
  void (*softmax)(const float* x, float* y, int64_t n);
};


// The op kernels (f32), over an ISA's rows.
void sigmoid_f32(const KernelContext& ctx, const RowKernelsF32& k);
void silu_f32(const KernelContext& ctx, const RowKernelsF32& k);
// edgewm.GroupNorm, f32 or with 8-bit input/output (q: the ISA's Q/DQ rows), scratch for the latter.
inline constexpr int kGroupNormSlots = 8;
void group_norm_f32(const KernelContext& ctx, const RowKernelsF32& k, const QuantizeRows& q);
size_t group_norm_scratch(const Node& n, const Graph& g);
void instance_norm_f32(const KernelContext& ctx, const RowKernelsF32& k);  // InstanceNormalization
// Softmax over rows of the last axis (any opset's Softmax whose rows are contiguous).
bool softmax_rows_supports(const Node& n, const Graph& g);
void softmax_f32(const KernelContext& ctx, const RowKernelsF32& k);

void normalize_row_f32_avx2(const float* x, float* y, int64_t n, float scale, float bias, float eps);
void normalize_row_f32_avx512(const float* x, float* y, int64_t n, float scale, float bias, float eps);
void normalize_row_f32_neon(const float* x, float* y, int64_t n, float scale, float bias, float eps);
void sigmoid_f32_avx2(const float* x, float* y, int64_t n);
void sigmoid_f32_avx512(const float* x, float* y, int64_t n);
void sigmoid_f32_neon(const float* x, float* y, int64_t n);
void silu_f32_avx2(const float* x, float* y, int64_t n);
void silu_f32_avx512(const float* x, float* y, int64_t n);
void silu_f32_neon(const float* x, float* y, int64_t n);
void affine_act_f32_avx2(const float* x, float* y, int64_t n, float a, float b, bool silu);
void affine_act_f32_avx512(const float* x, float* y, int64_t n, float a, float b, bool silu);
void affine_act_f32_neon(const float* x, float* y, int64_t n, float a, float b, bool silu);
void softmax_row_f32_avx2(const float* x, float* y, int64_t n);
void softmax_row_f32_avx512(const float* x, float* y, int64_t n);
void softmax_row_f32_neon(const float* x, float* y, int64_t n);

}  // namespace edgewm
