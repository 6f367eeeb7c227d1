// Normalisation rows and exp-based activations with NEON (4 lanes; tails go through a padded
// register-sized buffer, so every element takes the same arithmetic).
#include <arm_neon.h>

#include <cmath>

#include "kernels/rows/row_kernels.h"

namespace edgewm {

namespace {

// exp(x) = 2^n * e^r, r = x - n ln2, e^r by the Cephes expf polynomial (as the x86 kernels).
// 2^n is applied in two halves so n = 128 (x near the clamp) stays finite.
float32x4_t exp4(float32x4_t x) {
  x = vminq_f32(vmaxq_f32(x, vdupq_n_f32(-87.3f)), vdupq_n_f32(88.7f));
  const float32x4_t n = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(1.44269504088896341f)));
  float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(0.693359375f));
  r = vfmsq_f32(r, n, vdupq_n_f32(-2.12194440e-4f));
  float32x4_t p = vdupq_n_f32(1.9875691500e-4f);
  p = vfmaq_f32(vdupq_n_f32(1.3981999507e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(8.3334519073e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(4.1665795894e-2f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.6666665459e-1f), p, r);
  p = vfmaq_f32(vdupq_n_f32(5.0000001201e-1f), p, r);
  p = vfmaq_f32(vaddq_f32(r, vdupq_n_f32(1.f)), p, vmulq_f32(r, r));
  const int32x4_t ni = vcvtq_s32_f32(n), n1 = vshrq_n_s32(ni, 1), n2 = vsubq_s32(ni, n1);
  auto pow2 = [](int32x4_t e) { return vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(e, vdupq_n_s32(127)), 23)); };
  return vmulq_f32(vmulq_f32(p, pow2(n1)), pow2(n2));
}

float32x4_t sigmoid4(float32x4_t v) {  // NaN in, NaN out: NEON's min/max propagate it
  const float32x4_t one = vdupq_n_f32(1.f);
  return vdivq_f32(one, vaddq_f32(one, exp4(vnegq_f32(v))));
}

template <class F> void map4(const float* x, float* y, int64_t n, F f) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, f(vld1q_f32(x + i)));
  if (i < n) {
    float t[4] = {0.f, 0.f, 0.f, 0.f};
    for (int64_t j = i; j < n; ++j) t[j - i] = x[j];
    vst1q_f32(t, f(vld1q_f32(t)));
    for (int64_t j = i; j < n; ++j) y[j] = t[j - i];
  }
}

// Sum of f over the row, tails zero-padded (f(0) must be 0).
template <class F> float sum4(const float* x, int64_t n, F f) {
  float32x4_t s0 = vdupq_n_f32(0.f), s1 = vdupq_n_f32(0.f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    s0 = vaddq_f32(s0, f(vld1q_f32(x + i)));
    s1 = vaddq_f32(s1, f(vld1q_f32(x + i + 4)));
  }
  for (; i + 4 <= n; i += 4) s0 = vaddq_f32(s0, f(vld1q_f32(x + i)));
  float tail = 0.f;
  if (i < n) {
    float t[4] = {0.f, 0.f, 0.f, 0.f};
    float m[4] = {0.f, 0.f, 0.f, 0.f};
    for (int64_t j = i; j < n; ++j) t[j - i] = x[j], m[j - i] = 1.f;
    tail = vaddvq_f32(vmulq_f32(f(vld1q_f32(t)), vld1q_f32(m)));
  }
  return vaddvq_f32(vaddq_f32(s0, s1)) + tail;
}

}  // namespace

void normalize_row_f32_neon(const float* x, float* y, int64_t n, float scale, float bias, float eps) {
  const float mean = sum4(x, n, [](float32x4_t v) { return v; }) / static_cast<float>(n);
  const float32x4_t vm = vdupq_n_f32(mean);
  const float var = sum4(x, n, [&](float32x4_t v) {
                      const float32x4_t d = vsubq_f32(v, vm);
                      return vmulq_f32(d, d);
                    }) / static_cast<float>(n);
  // (x - mean) * a + bias, not x * a + (bias - mean * a): see the x86 kernels.
  const float32x4_t va = vdupq_n_f32(scale / std::sqrt(var + eps)), vb = vdupq_n_f32(bias);
  map4(x, y, n, [&](float32x4_t v) { return vfmaq_f32(vb, vsubq_f32(v, vm), va); });
}

void sigmoid_f32_neon(const float* x, float* y, int64_t n) { map4(x, y, n, sigmoid4); }

void silu_f32_neon(const float* x, float* y, int64_t n) {
  map4(x, y, n, [](float32x4_t v) { return vmulq_f32(v, sigmoid4(v)); });
}

void affine_act_f32_neon(const float* x, float* y, int64_t n, float a, float b, bool silu) {
  const float32x4_t va = vdupq_n_f32(a), vb = vdupq_n_f32(b);
  if (silu) {
    map4(x, y, n, [&](float32x4_t v) {
      const float32x4_t t = vfmaq_f32(vb, v, va);
      return vmulq_f32(t, sigmoid4(t));
    });
  } else {
    map4(x, y, n, [&](float32x4_t v) { return vfmaq_f32(vb, v, va); });
  }
}

void softmax_row_f32_neon(const float* x, float* y, int64_t n) {
  const int64_t full = n / 4 * 4;
  float32x4_t mx = vdupq_n_f32(-__builtin_inff());
  uint32x4_t ordered = vdupq_n_u32(~0u);
  for (int64_t i = 0; i < full; i += 4) {
    const float32x4_t v = vld1q_f32(x + i);
    ordered = vandq_u32(ordered, vceqq_f32(v, v));
    mx = vmaxq_f32(mx, v);
  }
  float m = vmaxvq_f32(mx);
  bool bad = vminvq_u32(ordered) == 0;
  for (int64_t i = full; i < n; ++i) m = x[i] > m ? x[i] : m, bad |= x[i] != x[i];
  if (bad || m == __builtin_inff() || m == -__builtin_inff()) return softmax_row_f32_scalar(x, y, n);
  const float32x4_t vm = vdupq_n_f32(m);
  float32x4_t sum = vdupq_n_f32(0.f);
  for (int64_t i = 0; i < full; i += 4) {
    const float32x4_t e = exp4(vsubq_f32(vld1q_f32(x + i), vm));
    vst1q_f32(y + i, e);
    sum = vaddq_f32(sum, e);
  }
  float tail[4] = {0.f, 0.f, 0.f, 0.f}, out[4];
  for (int64_t i = full; i < n; ++i) tail[i - full] = x[i] - m;
  vst1q_f32(out, exp4(vld1q_f32(tail)));
  float s = vaddvq_f32(sum);
  for (int64_t i = full; i < n; ++i) s += y[i] = out[i - full];
  const float inv = 1.f / s;
  for (int64_t i = 0; i < n; ++i) y[i] *= inv;
}

}  // namespace edgewm
