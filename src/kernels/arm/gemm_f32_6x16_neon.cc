// ARM64 NEON (baseline on every AArch64 CPU, so no extra flags): the GEMM micro-kernel behind
// Conv / Gemm / MatMul, 6 rows x 16 columns in 24 accumulators.
#include <arm_neon.h>

#include "kernels/gemm/gemm_micro.h"

namespace edgewm {

void gemm_f32_6x16__neon(int64_t kc, const float* a, int64_t a_rs, int64_t a_cs, int mr, const float* p, int64_t ldp,
                         float* c, int64_t ldc, int nr, float alpha) {
  EDGEWM_KERNEL_CONTRACT("gemm_f32_6x16__neon", kc >= 0 && mr >= 1 && mr <= 6 && nr >= 1 && nr <= 16);
  float32x4_t acc[6][4];
  for (int r = 0; r < 6; ++r)
    for (int j = 0; j < 4; ++j) acc[r][j] = vdupq_n_f32(0.f);
  // Rows past mr repeat the last valid one; their sums are never stored.
  const float* ar[6];
  for (int r = 0; r < 6; ++r) ar[r] = a + (r < mr ? r : mr - 1) * a_rs;
  for (int64_t k = 0; k < kc; ++k) {
    // The panel holds zeros past nr up to a multiple of 16 columns: whole loads are safe.
    const float* pk = p + k * ldp;
    const float32x4_t b0 = vld1q_f32(pk), b1 = vld1q_f32(pk + 4), b2 = vld1q_f32(pk + 8), b3 = vld1q_f32(pk + 12);
    const int64_t o = k * a_cs;
    for (int r = 0; r < 6; ++r) {
      const float32x4_t v = vdupq_n_f32(ar[r][o]);
      acc[r][0] = vfmaq_f32(acc[r][0], v, b0);
      acc[r][1] = vfmaq_f32(acc[r][1], v, b1);
      acc[r][2] = vfmaq_f32(acc[r][2], v, b2);
      acc[r][3] = vfmaq_f32(acc[r][3], v, b3);
    }
  }
  for (int r = 0; r < mr; ++r) {
    float* cr = c + r * ldc;
    if (nr == 16) {
      for (int j = 0; j < 4; ++j) vst1q_f32(cr + 4 * j, vfmaq_n_f32(vld1q_f32(cr + 4 * j), acc[r][j], alpha));
      continue;
    }
    float tmp[16];
    for (int j = 0; j < 4; ++j) vst1q_f32(tmp + 4 * j, acc[r][j]);
    for (int j = 0; j < nr; ++j) cr[j] += alpha * tmp[j];
  }
}

void gemv_f32__neon(int64_t k, int64_t n, const float* x, int64_t xs, const float* b, int64_t b_rs, int64_t b_cs,
                   float alpha, float* y) {
  if (b_cs == 1) {  // rows of B contiguous: y[j..j+4) += x[q] * B[q, j..j+4)
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) {
      float32x4_t acc = vdupq_n_f32(0.f);
      for (int64_t q = 0; q < k; ++q) acc = vfmaq_n_f32(acc, vld1q_f32(b + q * b_rs + j), x[q * xs]);
      vst1q_f32(y + j, vfmaq_n_f32(vld1q_f32(y + j), acc, alpha));
    }
    for (; j < n; ++j) {
      float s = 0;
      for (int64_t q = 0; q < k; ++q) s += x[q * xs] * b[q * b_rs + j];
      y[j] += alpha * s;
    }
    return;
  }
  gemv_f32_strided(k, n, x, xs, b, b_rs, b_cs, alpha, y);
}

}  // namespace edgewm
