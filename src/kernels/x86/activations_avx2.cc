// Compiled for AVX2 + FMA only (CMakeLists.txt); reached through run-time dispatch.
#include <immintrin.h>

#include "kernels/rows/row_kernels.h"

namespace edgewm {

namespace {

// Same method as the AVX-512 version; 2^n built from the exponent bits.
inline __m256 exp256(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.7f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.f)));
  // 2^n for n in [-126, 128): (n + 127) << 23; n = -127 (x near -87.3) gives 0, a flush.
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

template <class F> void map256(const float* x, float* y, int64_t n, F f) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, f(_mm256_loadu_ps(x + i)));
  if (i < n) {
    float in[8] = {}, out[8];
    for (int64_t k = i; k < n; ++k) in[k - i] = x[k];
    _mm256_storeu_ps(out, f(_mm256_loadu_ps(in)));
    for (int64_t k = i; k < n; ++k) y[k] = out[k - i];
  }
}

inline __m256 keep_nan(__m256 v, __m256 result) { return _mm256_blendv_ps(result, v, _mm256_cmp_ps(v, v, _CMP_UNORD_Q)); }

}  // namespace

namespace {

inline __m256 sigmoid256(__m256 v) {
  const __m256 one = _mm256_set1_ps(1.f);
  return keep_nan(v, _mm256_div_ps(one, _mm256_add_ps(one, exp256(_mm256_sub_ps(_mm256_setzero_ps(), v)))));
}

}  // namespace

void sigmoid_f32_avx2(const float* x, float* y, int64_t n) { map256(x, y, n, sigmoid256); }

void silu_f32_avx2(const float* x, float* y, int64_t n) {
  map256(x, y, n, [](__m256 v) { return _mm256_mul_ps(v, sigmoid256(v)); });
}

void affine_act_f32_avx2(const float* x, float* y, int64_t n, float a, float b, bool silu) {
  const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b);
  if (silu) {
    map256(x, y, n, [&](__m256 v) {
      const __m256 t = _mm256_fmadd_ps(v, va, vb);
      return _mm256_mul_ps(t, sigmoid256(t));
    });
  } else {
    map256(x, y, n, [&](__m256 v) { return _mm256_fmadd_ps(v, va, vb); });
  }
}

void softmax_row_f32_avx2(const float* x, float* y, int64_t n) {
  const int64_t full = n / 8 * 8;
  __m256 mx = _mm256_set1_ps(-__builtin_inff()), nan = _mm256_setzero_ps();
  for (int64_t i = 0; i < full; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    mx = _mm256_max_ps(mx, v);
  }
  float lanes[8];
  _mm256_storeu_ps(lanes, mx);
  float m = lanes[0];
  bool bad = _mm256_movemask_ps(nan) != 0;
  for (int l = 1; l < 8; ++l) m = lanes[l] > m ? lanes[l] : m;
  for (int64_t i = full; i < n; ++i) m = x[i] > m ? x[i] : m, bad |= x[i] != x[i];
  if (bad || m == __builtin_inff() || m == -__builtin_inff()) return softmax_row_f32_scalar(x, y, n);
  const __m256 vm = _mm256_set1_ps(m);
  __m256 sum = _mm256_setzero_ps();
  for (int64_t i = 0; i < full; i += 8) {
    const __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm));
    _mm256_storeu_ps(y + i, e);
    sum = _mm256_add_ps(sum, e);
  }
  float tail[8] = {}, out[8];
  for (int64_t i = full; i < n; ++i) tail[i - full] = x[i] - m;
  _mm256_storeu_ps(out, exp256(_mm256_loadu_ps(tail)));
  _mm256_storeu_ps(lanes, sum);
  float s = 0.f;
  for (int l = 0; l < 8; ++l) s += lanes[l];
  for (int64_t i = full; i < n; ++i) s += y[i] = out[i - full];
  const __m256 inv = _mm256_set1_ps(1.f / s);
  for (int64_t i = 0; i < full; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), inv));
  for (int64_t i = full; i < n; ++i) y[i] *= 1.f / s;
}

}  // namespace edgewm
