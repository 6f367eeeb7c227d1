// Depthwise convolution with AVX-512 (this file's flags come from CMakeLists.txt): 16 outputs
// per zmm; stride 2 de-interleaves two loads, other strides gather.
#include <immintrin.h>

#include "kernels/conv/depthwise_plane.h"

namespace edgewm {

namespace {

struct Avx512 {
  using Acc = __m512;
  static Acc splat(float v) { return _mm512_set1_ps(v); }
  static Acc fma(float kv, const float* src, int64_t stride, Acc acc) {
    __m512 x;
    if (stride == 1) {
      x = _mm512_loadu_ps(src);
    } else if (stride == 2) {
      const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
      x = _mm512_permutex2var_ps(_mm512_loadu_ps(src), even, _mm512_loadu_ps(src + 16));
    } else {
      const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                             _mm512_set1_epi32(static_cast<int>(stride)));
      x = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), __mmask16(0xFFFF), idx, src, 4);
    }
    return _mm512_fmadd_ps(_mm512_set1_ps(kv), x, acc);
  }
  static void store(float* y, int64_t n, Acc acc) {
    _mm512_mask_storeu_ps(y, n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1), acc);
  }
};

}  // namespace

void depthwise_plane_f32_avx512(const float* x, const float* k, float bias, const DepthwisePlane& p, float* y,
                                float* pad) {
  depthwise_detail::plane<Avx512>(x, k, bias, p, y, pad);
}

}  // namespace edgewm
