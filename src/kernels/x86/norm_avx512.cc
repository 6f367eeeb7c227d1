// Compiled for AVX-512 only (CMakeLists.txt); reached through run-time dispatch.
#include <immintrin.h>

#include <cmath>

#include "kernels/rows/row_kernels.h"

namespace edgewm {

void normalize_row_f32_avx512(const float* x, float* y, int64_t n, float scale, float bias, float eps) {
  auto mask = [n](int64_t i) { return n - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - i)) - 1); };
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm512_add_ps(s0, _mm512_loadu_ps(x + i));
    s1 = _mm512_add_ps(s1, _mm512_loadu_ps(x + i + 16));
  }
  for (; i < n; i += 16) s0 = _mm512_add_ps(s0, _mm512_maskz_loadu_ps(mask(i), x + i));
  const float mean = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1)) / static_cast<float>(n);
  const __m512 vm = _mm512_set1_ps(mean);
  s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  for (i = 0; i + 32 <= n; i += 32) {
    const __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(x + i), vm), d1 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 16), vm);
    s0 = _mm512_fmadd_ps(d0, d0, s0);
    s1 = _mm512_fmadd_ps(d1, d1, s1);
  }
  for (; i < n; i += 16) {
    const __mmask16 m = mask(i);
    const __m512 d = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, x + i), vm);
    s0 = _mm512_fmadd_ps(d, d, s0);
  }
  const float var = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1)) / static_cast<float>(n);
  // (x - mean) * a + bias, not x * a + (bias - mean * a): with a large mean and a tiny
  // variance the folded form cancels catastrophically.
  const __m512 va = _mm512_set1_ps(scale / std::sqrt(var + eps)), vb = _mm512_set1_ps(bias);
  for (i = 0; i < n; i += 16) {
    const __mmask16 m = mask(i);
    _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), vm), va, vb));
  }
}

}  // namespace edgewm
