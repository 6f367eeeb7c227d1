// Compiled with -mavx2 -mfma (CMakeLists.txt): reached only through its ISA table (kernels/isa_table.h)
// after isa_enabled() said so. Nothing here may be an inline function shared with other files.
#include <immintrin.h>

#include "kernels/gemm/gemm_micro.h"

namespace edgewm {

namespace {
// Lanes [0, n) of a ymm mask (n in 0..8).
__m256i lane_mask(int n) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), idx);
}
}  // namespace

// 6 rows x 16 columns: 12 ymm accumulators, 2 panel loads and 6 broadcasts per 12 FMAs.
void gemm_f32_6x16__avx2(int64_t kc, const float* a, int64_t a_rs, int64_t a_cs, int mr, const float* p, int64_t ldp,
                         float* c, int64_t ldc, int nr, float alpha) {
  EDGEWM_KERNEL_CONTRACT("gemm_f32_6x16__avx2", kc >= 0 && mr >= 1 && mr <= 6 && nr >= 1 && nr <= 16);
  const float* a0 = a;
  const float* a1 = a + (mr > 1 ? 1 : mr - 1) * a_rs;
  const float* a2 = a + (mr > 2 ? 2 : mr - 1) * a_rs;
  const float* a3 = a + (mr > 3 ? 3 : mr - 1) * a_rs;
  const float* a4 = a + (mr > 4 ? 4 : mr - 1) * a_rs;
  const float* a5 = a + (mr > 5 ? 5 : mr - 1) * a_rs;
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  // The panel is zero past the block up to ldp (a multiple of 16): full-width loads are safe.
  for (int64_t k = 0; k < kc; ++k) {
    const float* pk = p + k * ldp;
    const __m256 b0 = _mm256_loadu_ps(pk);
    const __m256 b1 = _mm256_loadu_ps(pk + 8);
    const int64_t o = k * a_cs;
    __m256 v = _mm256_broadcast_ss(a0 + o);
    c00 = _mm256_fmadd_ps(v, b0, c00), c01 = _mm256_fmadd_ps(v, b1, c01);
    v = _mm256_broadcast_ss(a1 + o);
    c10 = _mm256_fmadd_ps(v, b0, c10), c11 = _mm256_fmadd_ps(v, b1, c11);
    v = _mm256_broadcast_ss(a2 + o);
    c20 = _mm256_fmadd_ps(v, b0, c20), c21 = _mm256_fmadd_ps(v, b1, c21);
    v = _mm256_broadcast_ss(a3 + o);
    c30 = _mm256_fmadd_ps(v, b0, c30), c31 = _mm256_fmadd_ps(v, b1, c31);
    v = _mm256_broadcast_ss(a4 + o);
    c40 = _mm256_fmadd_ps(v, b0, c40), c41 = _mm256_fmadd_ps(v, b1, c41);
    v = _mm256_broadcast_ss(a5 + o);
    c50 = _mm256_fmadd_ps(v, b0, c50), c51 = _mm256_fmadd_ps(v, b1, c51);
  }
  const __m256 al = _mm256_set1_ps(alpha);
  const __m256 acc[6][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (nr == 16) {
    for (int r = 0; r < mr; ++r) {
      float* cr = c + r * ldc;
      _mm256_storeu_ps(cr, _mm256_fmadd_ps(al, acc[r][0], _mm256_loadu_ps(cr)));
      _mm256_storeu_ps(cr + 8, _mm256_fmadd_ps(al, acc[r][1], _mm256_loadu_ps(cr + 8)));
    }
    return;
  }
  const __m256i m0 = lane_mask(nr < 8 ? nr : 8), m1 = lane_mask(nr > 8 ? nr - 8 : 0);
  for (int r = 0; r < mr; ++r) {
    float* cr = c + r * ldc;
    _mm256_maskstore_ps(cr, m0, _mm256_fmadd_ps(al, acc[r][0], _mm256_maskload_ps(cr, m0)));
    if (nr > 8) _mm256_maskstore_ps(cr + 8, m1, _mm256_fmadd_ps(al, acc[r][1], _mm256_maskload_ps(cr + 8, m1)));
  }
}

void gemv_f32__avx2(int64_t k, int64_t n, const float* x, int64_t xs, const float* b, int64_t b_rs, int64_t b_cs,
                   float alpha, float* y) {
  if (b_cs == 1) {  // rows of B are contiguous: y[j..j+8) += x[k] * B[k, j..j+8)
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
      __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
      int64_t q = 0;
      for (; q + 1 < k; q += 2) {
        acc0 = _mm256_fmadd_ps(_mm256_broadcast_ss(x + q * xs), _mm256_loadu_ps(b + q * b_rs + j), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_broadcast_ss(x + (q + 1) * xs), _mm256_loadu_ps(b + (q + 1) * b_rs + j), acc1);
      }
      if (q < k) acc0 = _mm256_fmadd_ps(_mm256_broadcast_ss(x + q * xs), _mm256_loadu_ps(b + q * b_rs + j), acc0);
      _mm256_storeu_ps(y + j, _mm256_fmadd_ps(_mm256_set1_ps(alpha), _mm256_add_ps(acc0, acc1), _mm256_loadu_ps(y + j)));
    }
    for (; j < n; ++j) {
      float s = 0;
      for (int64_t q = 0; q < k; ++q) s += x[q * xs] * b[q * b_rs + j];
      y[j] += alpha * s;
    }
    return;
  }
  if (b_rs == 1 && xs == 1) {  // columns of B are contiguous (transB): one dot product per j
    for (int64_t j = 0; j < n; ++j) {
      const float* bj = b + j * b_cs;
      __m256 acc = _mm256_setzero_ps();
      int64_t q = 0;
      for (; q + 8 <= k; q += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(x + q), _mm256_loadu_ps(bj + q), acc);
      alignas(32) float lanes[8];
      _mm256_store_ps(lanes, acc);
      float s = lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
      for (; q < k; ++q) s += x[q] * bj[q];
      y[j] += alpha * s;
    }
    return;
  }
  gemv_f32_strided(k, n, x, xs, b, b_rs, b_cs, alpha, y);
}

}  // namespace edgewm
