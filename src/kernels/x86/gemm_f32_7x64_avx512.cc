// Compiled with -mavx512f -mavx512vl -mavx512bw -mavx512dq -mfma (CMakeLists.txt): reached only
// through its ISA table (kernels/isa_table.h) after isa_enabled() said so. Nothing here may be an inline function
// shared with other files (the linker could pick this ISA's copy for them).
#include <immintrin.h>

#include "kernels/gemm/gemm_micro.h"

namespace edgewm {

namespace {

// R rows x 16*NV columns: at 7 x 4, 28 zmm accumulators and 4 panel loads + 7 broadcasts per
// 28 FMAs (the 6x32 tile this replaced needed 8 loads per 12 FMAs and ran ~20% slower on the
// seed UNet's 64-wide panels). Loads are masked past nr, so nothing past the panel is read.
// Fewer rows or columns get their own instance rather than computing padding (a 64-row GEMM
// is 9 full row blocks and one of a single row).
template <int R, int NV>
void micro_rxnv(int64_t kc, const float* a, int64_t a_rs, int64_t a_cs, const float* p, int64_t ldp, float* c,
                int64_t ldc, int nr, float alpha) {
  __mmask16 m[NV];
  for (int q = 0; q < NV; ++q) {
    const int left = nr - 16 * q;
    m[q] = left >= 16 ? __mmask16(0xFFFF) : left > 0 ? __mmask16((1u << left) - 1) : __mmask16(0);
  }
  const float* ar[R];
#pragma GCC unroll 7
  for (int r = 0; r < R; ++r) ar[r] = a + r * a_rs;
  __m512 acc[R][NV];
#pragma GCC unroll 7
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int q = 0; q < NV; ++q) acc[r][q] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const float* pk = p + k * ldp;
    __m512 b[NV];
#pragma GCC unroll 4
    for (int q = 0; q < NV; ++q) b[q] = _mm512_maskz_loadu_ps(m[q], pk + 16 * q);
    const int64_t o = k * a_cs;
#pragma GCC unroll 7
    for (int r = 0; r < R; ++r) {
      const __m512 v = _mm512_set1_ps(ar[r][o]);
#pragma GCC unroll 4
      for (int q = 0; q < NV; ++q) acc[r][q] = _mm512_fmadd_ps(v, b[q], acc[r][q]);
    }
  }
  // Constant trip counts, fully unrolled: indexing acc with a runtime row would make GCC keep
  // the accumulators in memory (spilling all 28 every iteration).
  const __m512 al = _mm512_set1_ps(alpha);
#pragma GCC unroll 7
  for (int r = 0; r < R; ++r) {
    float* cr = c + r * ldc;
#pragma GCC unroll 4
    for (int q = 0; q < NV; ++q)
      if (m[q])
        _mm512_mask_storeu_ps(cr + 16 * q, m[q],
                              _mm512_fmadd_ps(al, acc[r][q], _mm512_maskz_loadu_ps(m[q], cr + 16 * q)));
  }
}

using MicroFn = void (*)(int64_t, const float*, int64_t, int64_t, const float*, int64_t, float*, int64_t, int, float);

template <int R> constexpr MicroFn kByWidth[4] = {micro_rxnv<R, 1>, micro_rxnv<R, 2>, micro_rxnv<R, 3>,
                                                  micro_rxnv<R, 4>};
constexpr const MicroFn* kByRows[7] = {kByWidth<1>, kByWidth<2>, kByWidth<3>, kByWidth<4>,
                                       kByWidth<5>, kByWidth<6>, kByWidth<7>};

}  // namespace

void gemm_f32_7x64__avx512(int64_t kc, const float* a, int64_t a_rs, int64_t a_cs, int mr, const float* p,
                           int64_t ldp, float* c, int64_t ldc, int nr, float alpha) {
  EDGEWM_KERNEL_CONTRACT("gemm_f32_7x64__avx512", kc >= 0 && mr >= 1 && mr <= 7 && nr >= 1 && nr <= 64);
  kByRows[mr - 1][(nr - 1) / 16](kc, a, a_rs, a_cs, p, ldp, c, ldc, nr, alpha);
}

void gemv_f32__avx512(int64_t k, int64_t n, const float* x, int64_t xs, const float* b, int64_t b_rs, int64_t b_cs,
                     float alpha, float* y) {
  if (b_cs == 1) {  // rows of B are contiguous: y[j..j+16) += x[k] * B[k, j..j+16)
    int64_t j = 0;
    for (; j < n; j += 16) {
      const __mmask16 m = n - j >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - j)) - 1);
      __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
      int64_t q = 0;
      for (; q + 1 < k; q += 2) {
        acc0 = _mm512_fmadd_ps(_mm512_set1_ps(x[q * xs]), _mm512_maskz_loadu_ps(m, b + q * b_rs + j), acc0);
        acc1 = _mm512_fmadd_ps(_mm512_set1_ps(x[(q + 1) * xs]), _mm512_maskz_loadu_ps(m, b + (q + 1) * b_rs + j), acc1);
      }
      if (q < k) acc0 = _mm512_fmadd_ps(_mm512_set1_ps(x[q * xs]), _mm512_maskz_loadu_ps(m, b + q * b_rs + j), acc0);
      const __m512 sum = _mm512_mul_ps(_mm512_set1_ps(alpha), _mm512_add_ps(acc0, acc1));
      _mm512_mask_storeu_ps(y + j, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, y + j), sum));
    }
    return;
  }
  if (b_rs == 1 && xs == 1) {  // columns of B are contiguous (transB): one dot product per j
    for (int64_t j = 0; j < n; ++j) {
      const float* bj = b + j * b_cs;
      __m512 acc = _mm512_setzero_ps();
      for (int64_t q = 0; q < k; q += 16) {
        const __mmask16 m = k - q >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (k - q)) - 1);
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + q), _mm512_maskz_loadu_ps(m, bj + q), acc);
      }
      y[j] += alpha * _mm512_reduce_add_ps(acc);
    }
    return;
  }
  gemv_f32_strided(k, n, x, xs, b, b_rs, b_cs, alpha, y);
}

}  // namespace edgewm
