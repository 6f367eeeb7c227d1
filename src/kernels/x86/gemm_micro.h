#pragma once
// Vectorised f32 GEMM micro-kernels for the blocked GEMM of src/kernels/ref/nn.h:
//   C[mr x nr] += alpha * A[mr x kc] * P[kc x nr]     (mr <= 6, nr <= nr_max)
// A addressed through row/column strides; P a packed panel with row stride ldp whose columns
// past the block are zero. Each ISA's kernel lives in its own file compiled for that ISA only;
// callers reach it through this table after checking cpu_isa().
#include <cstdint>

#include "kernels/cpu_features.h"

namespace edgewm {

using GemmMicroF32Fn = void (*)(int64_t kc, const float* a, int64_t a_rs, int64_t a_cs, int mr, const float* p,
                                int64_t ldp, float* c, int64_t ldc, int nr, float alpha);

struct GemmMicroF32 {
  const char* isa;
  int nr_max;  // columns per call
  GemmMicroF32Fn fn;
};

// The kernel for `isa`, or nullptr (scalar, or a build without x86 kernels).
const GemmMicroF32* gemm_micro_f32(Isa isa);

void gemm_micro_f32_avx2(int64_t kc, const float* a, int64_t a_rs, int64_t a_cs, int mr, const float* p, int64_t ldp,
                         float* c, int64_t ldc, int nr, float alpha);
void gemm_micro_f32_avx512(int64_t kc, const float* a, int64_t a_rs, int64_t a_cs, int mr, const float* p,
                           int64_t ldp, float* c, int64_t ldc, int nr, float alpha);

}  // namespace edgewm
