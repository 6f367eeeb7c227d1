// Compiled for AVX2 + FMA only (CMakeLists.txt); reached through run-time dispatch.
#include <immintrin.h>

#include <cmath>

#include "kernels/rows/row_kernels.h"

namespace edgewm {

namespace {
float hsum(__m256 v) {
  alignas(32) float l[8];
  _mm256_store_ps(l, v);
  return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}
}  // namespace

void normalize_row_f32_avx2(const float* x, float* y, int64_t n, float scale, float bias, float eps) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + i));
    s1 = _mm256_add_ps(s1, _mm256_loadu_ps(x + i + 8));
  }
  float tail = 0;
  for (int64_t k = i; k < n; ++k) tail += x[k];
  const float mean = (hsum(_mm256_add_ps(s0, s1)) + tail) / static_cast<float>(n);
  const __m256 vm = _mm256_set1_ps(mean);
  s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  for (i = 0; i + 16 <= n; i += 16) {
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), vm), d1 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), vm);
    s0 = _mm256_fmadd_ps(d0, d0, s0);
    s1 = _mm256_fmadd_ps(d1, d1, s1);
  }
  tail = 0;
  for (int64_t k = i; k < n; ++k) tail += (x[k] - mean) * (x[k] - mean);
  const float var = (hsum(_mm256_add_ps(s0, s1)) + tail) / static_cast<float>(n);
  // (x - mean) * a + bias, not x * a + (bias - mean * a): with a large mean and a tiny
  // variance the folded form cancels catastrophically.
  const float a = scale / std::sqrt(var + eps);
  const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(bias);
  for (i = 0; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm), va, vb));
  for (; i < n; ++i) y[i] = (x[i] - mean) * a + bias;
}

}  // namespace edgewm
