// Compiled for AVX-512 only (CMakeLists.txt); reached through run-time dispatch.
#include <immintrin.h>

#include <cmath>

#include "kernels/rows/row_kernels.h"

namespace edgewm {

namespace {

// exp(x) = 2^n * e^r, r = x - n ln2 in [-ln2/2, ln2/2], e^r by a degree-6 polynomial (Cephes
// expf coefficients); inputs clamped so 2^n stays finite or flushes to 0.
inline __m512 exp512(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.7f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.f)));
  return _mm512_scalef_ps(p, n);
}

template <class F> void map512(const float* x, float* y, int64_t n, F f) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, f(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(y + i, m, f(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

}  // namespace

namespace {

inline __m512 sigmoid512(__m512 v) {
  const __m512 one = _mm512_set1_ps(1.f);
  const __m512 s = _mm512_div_ps(one, _mm512_add_ps(one, exp512(_mm512_sub_ps(_mm512_setzero_ps(), v))));
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), s, v);
}

}  // namespace

void sigmoid_f32_avx512(const float* x, float* y, int64_t n) { map512(x, y, n, sigmoid512); }

void silu_f32_avx512(const float* x, float* y, int64_t n) {
  map512(x, y, n, [](__m512 v) { return _mm512_mul_ps(v, sigmoid512(v)); });
}

void affine_act_f32_avx512(const float* x, float* y, int64_t n, float a, float b, bool silu) {
  const __m512 va = _mm512_set1_ps(a), vb = _mm512_set1_ps(b);
  if (silu) {
    map512(x, y, n, [&](__m512 v) {
      const __m512 t = _mm512_fmadd_ps(v, va, vb);
      return _mm512_mul_ps(t, sigmoid512(t));
    });
  } else {
    map512(x, y, n, [&](__m512 v) { return _mm512_fmadd_ps(v, va, vb); });
  }
}

void softmax_row_f32_avx512(const float* x, float* y, int64_t n) {
  auto mask = [n](int64_t i) { return n - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - i)) - 1); };
  __m512 mx = _mm512_set1_ps(-__builtin_inff());
  __mmask16 nan = 0;
  for (int64_t i = 0; i < n; i += 16) {
    const __m512 v = _mm512_mask_loadu_ps(_mm512_set1_ps(-__builtin_inff()), mask(i), x + i);
    nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    mx = _mm512_max_ps(mx, v);
  }
  const float m = _mm512_reduce_max_ps(mx);
  if (nan || m == __builtin_inff() || m == -__builtin_inff()) return softmax_row_f32_scalar(x, y, n);
  const __m512 vm = _mm512_set1_ps(m);
  __m512 sum = _mm512_setzero_ps();
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 k = mask(i);
    const __m512 e = _mm512_maskz_mov_ps(k, exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), vm)));
    _mm512_mask_storeu_ps(y + i, k, e);
    sum = _mm512_add_ps(sum, e);
  }
  const __m512 inv = _mm512_set1_ps(1.f / _mm512_reduce_add_ps(sum));
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 k = mask(i);
    _mm512_mask_storeu_ps(y + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, y + i), inv));
  }
}

}  // namespace edgewm
