// Compiled with -mavx512f -mavx512vl -mavx512bw -mavx512dq -mfma (CMakeLists.txt): reached only
// through gemm_micro_f32() after cpu_isa() said so. Nothing here may be an inline function
// shared with other files (the linker could pick this ISA's copy for them).
#include <immintrin.h>

#include "kernels/x86/gemm_micro.h"

namespace edgewm {

// 6 rows x 32 columns: 12 zmm accumulators, 2 panel loads and 6 broadcasts per 12 FMAs.
void gemm_micro_f32_avx512(int64_t kc, const float* a, int64_t a_rs, int64_t a_cs, int mr, const float* p, int64_t ldp,
                           float* c, int64_t ldc, int nr, float alpha) {
  const __mmask16 m0 = nr >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << nr) - 1);
  const __mmask16 m1 = nr >= 32 ? __mmask16(0xFFFF) : nr > 16 ? __mmask16((1u << (nr - 16)) - 1) : __mmask16(0);
  // Rows past mr repeat the last valid one; their sums are never stored.
  const float* a0 = a;
  const float* a1 = a + (mr > 1 ? 1 : mr - 1) * a_rs;
  const float* a2 = a + (mr > 2 ? 2 : mr - 1) * a_rs;
  const float* a3 = a + (mr > 3 ? 3 : mr - 1) * a_rs;
  const float* a4 = a + (mr > 4 ? 4 : mr - 1) * a_rs;
  const float* a5 = a + (mr > 5 ? 5 : mr - 1) * a_rs;
  __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps(), c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
  __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps(), c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
  __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps(), c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const float* pk = p + k * ldp;
    const __m512 b0 = _mm512_maskz_loadu_ps(m0, pk);
    const __m512 b1 = _mm512_maskz_loadu_ps(m1, pk + 16);
    const int64_t o = k * a_cs;
    __m512 v = _mm512_set1_ps(a0[o]);
    c00 = _mm512_fmadd_ps(v, b0, c00), c01 = _mm512_fmadd_ps(v, b1, c01);
    v = _mm512_set1_ps(a1[o]);
    c10 = _mm512_fmadd_ps(v, b0, c10), c11 = _mm512_fmadd_ps(v, b1, c11);
    v = _mm512_set1_ps(a2[o]);
    c20 = _mm512_fmadd_ps(v, b0, c20), c21 = _mm512_fmadd_ps(v, b1, c21);
    v = _mm512_set1_ps(a3[o]);
    c30 = _mm512_fmadd_ps(v, b0, c30), c31 = _mm512_fmadd_ps(v, b1, c31);
    v = _mm512_set1_ps(a4[o]);
    c40 = _mm512_fmadd_ps(v, b0, c40), c41 = _mm512_fmadd_ps(v, b1, c41);
    v = _mm512_set1_ps(a5[o]);
    c50 = _mm512_fmadd_ps(v, b0, c50), c51 = _mm512_fmadd_ps(v, b1, c51);
  }
  const __m512 al = _mm512_set1_ps(alpha);
  const __m512 acc[6][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  for (int r = 0; r < mr; ++r) {
    float* cr = c + r * ldc;
    _mm512_mask_storeu_ps(cr, m0, _mm512_fmadd_ps(al, acc[r][0], _mm512_maskz_loadu_ps(m0, cr)));
    if (m1) _mm512_mask_storeu_ps(cr + 16, m1, _mm512_fmadd_ps(al, acc[r][1], _mm512_maskz_loadu_ps(m1, cr + 16)));
  }
}

void gemv_f32_avx512(int64_t k, int64_t n, const float* x, int64_t xs, const float* b, int64_t b_rs, int64_t b_cs,
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
