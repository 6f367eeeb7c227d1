// Depthwise convolution with AVX2 + FMA (this file's flags come from CMakeLists.txt): 16
// outputs in two ymm; strides other than 1 gather.
#include <immintrin.h>

#include "kernels/conv/depthwise_plane.h"

namespace edgewm {

namespace {

struct Avx2 {
  struct Acc {
    __m256 lo, hi;
  };
  static Acc splat(float v) { return {_mm256_set1_ps(v), _mm256_set1_ps(v)}; }
  static Acc fma(float kv, const float* src, int64_t stride, Acc acc) {
    const __m256 k = _mm256_set1_ps(kv);
    if (stride == 1) return {_mm256_fmadd_ps(k, _mm256_loadu_ps(src), acc.lo), _mm256_fmadd_ps(k, _mm256_loadu_ps(src + 8), acc.hi)};
    const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(static_cast<int>(stride)));
    return {_mm256_fmadd_ps(k, _mm256_i32gather_ps(src, idx, 4), acc.lo),
            _mm256_fmadd_ps(k, _mm256_i32gather_ps(src + 8 * stride, idx, 4), acc.hi)};
  }
  static void store(float* y, int64_t n, Acc acc) {
    if (n >= 16) {
      _mm256_storeu_ps(y, acc.lo);
      _mm256_storeu_ps(y + 8, acc.hi);
      return;
    }
    alignas(32) float tmp[16];
    _mm256_store_ps(tmp, acc.lo);
    _mm256_store_ps(tmp + 8, acc.hi);
    for (int64_t i = 0; i < n; ++i) y[i] = tmp[i];
  }
};

}  // namespace

void depthwise_plane_f32_avx2(const float* x, const float* k, float bias, const DepthwisePlane& p, float* y,
                              float* pad) {
  depthwise_detail::plane<Avx2>(x, k, bias, p, y, pad);
}

}  // namespace edgewm
