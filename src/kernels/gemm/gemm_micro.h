#pragma once
// The f32 GEMM micro-kernel contract, for the blocked GEMM drivers (conv/, ref/nn.h):
//   C[mr x nr] += alpha * A[mr x kc] * P[kc x nr]     (1 <= mr <= mr_max, 1 <= nr <= nr_max)
// A addressed through row/column strides; P a packed panel with row stride ldp whose columns
// past the block are zero. Each instance is named by its contract, gemm_f32_<MR>x<NR>__<isa>,
// lives in its own file compiled for that ISA only (x86/gemm_f32_7x64_avx512.cc...), and is
// reached through its ISA's table (kernels/isa_table.h) after isa_enabled() said so. The integer
// contract is qgemm_micro.h.
#include <cstdint>


namespace edgewm {

using GemmMicroF32Fn = void (*)(int64_t kc, const float* a, int64_t a_rs, int64_t a_cs, int mr, const float* p,
                                int64_t ldp, float* c, int64_t ldc, int nr, float alpha);

// y[j] += alpha * sum_k x[k * xs] * B[k * b_rs + j * b_cs] for j in [0, n): the M = 1 case
// (a time-embedding Linear), where packing B for one row of A would cost more than the math.
using GemvF32Fn = void (*)(int64_t k, int64_t n, const float* x, int64_t xs, const float* b, int64_t b_rs,
                           int64_t b_cs, float alpha, float* y);

struct GemmMicroF32 {
  const char* name;  // the contract name, e.g. "gemm_f32_7x64__avx512"
  const char* isa;
  int mr_max;  // rows per call
  int nr_max;  // columns per call
  GemmMicroF32Fn fn;
  GemvF32Fn gemv;
};

// Bounds every micro-kernel asserts on entry, in builds with EDGEWM_CHECK_CONTRACTS (the
// sanitizer build): a call outside them is a driver bug, reported with the kernel's name.
[[noreturn]] void kernel_contract_failed(const char* kernel, const char* condition);
#if EDGEWM_CHECK_CONTRACTS
#define EDGEWM_KERNEL_CONTRACT(kernel, condition) \
  do {                                           \
    if (!(condition)) ::edgewm::kernel_contract_failed(kernel, #condition); \
  } while (0)
#else
#define EDGEWM_KERNEL_CONTRACT(kernel, condition) \
  do {                                           \
  } while (0)
#endif

void gemm_f32_6x16__avx2(int64_t kc, const float* a, int64_t a_rs, int64_t a_cs, int mr, const float* p, int64_t ldp,
                         float* c, int64_t ldc, int nr, float alpha);
void gemv_f32__avx2(int64_t k, int64_t n, const float* x, int64_t xs, const float* b, int64_t b_rs, int64_t b_cs,
                   float alpha, float* y);
void gemv_f32__avx512(int64_t k, int64_t n, const float* x, int64_t xs, const float* b, int64_t b_rs, int64_t b_cs,
                     float alpha, float* y);
void gemm_f32_7x64__avx512(int64_t kc, const float* a, int64_t a_rs, int64_t a_cs, int mr, const float* p,
                           int64_t ldp, float* c, int64_t ldc, int nr, float alpha);
// Any strides, plain loops (src/kernels/gemm/gemv_strided.cc, portable): what the vector GEMVs fall
// back to when neither B's rows nor its columns are contiguous.
void gemv_f32_strided(int64_t k, int64_t n, const float* x, int64_t xs, const float* b, int64_t b_rs, int64_t b_cs,
                      float alpha, float* y);
// ARM64 (src/kernels/arm/gemm_micro_neon.cc, built on AArch64 only).
void gemm_f32_6x16__neon(int64_t kc, const float* a, int64_t a_rs, int64_t a_cs, int mr, const float* p, int64_t ldp,
                         float* c, int64_t ldc, int nr, float alpha);
void gemv_f32__neon(int64_t k, int64_t n, const float* x, int64_t xs, const float* b, int64_t b_rs, int64_t b_cs,
                   float alpha, float* y);

}  // namespace edgewm
