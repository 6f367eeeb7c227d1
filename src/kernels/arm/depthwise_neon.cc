// Depthwise convolution with NEON: 16 outputs per block as four q registers; stride 2 takes
// the even lanes of vld2q (a de-interleaving load), other strides load lane by lane.
#include <arm_neon.h>

#include "kernels/conv/depthwise_plane.h"

namespace edgewm {

namespace {

struct Neon {
  using Acc = float32x4x4_t;
  static Acc splat(float v) { return {vdupq_n_f32(v), vdupq_n_f32(v), vdupq_n_f32(v), vdupq_n_f32(v)}; }
  static Acc fma(float kv, const float* src, int64_t stride, Acc acc) {
    float32x4_t x[4];
    if (stride == 1) {
      for (int q = 0; q < 4; ++q) x[q] = vld1q_f32(src + 4 * q);
    } else if (stride == 2) {
      for (int q = 0; q < 4; ++q) x[q] = vld2q_f32(src + 8 * q).val[0];
    } else {
      float lanes[16];
      for (int i = 0; i < 16; ++i) lanes[i] = src[i * stride];
      for (int q = 0; q < 4; ++q) x[q] = vld1q_f32(lanes + 4 * q);
    }
    const float32x4_t k = vdupq_n_f32(kv);
    for (int q = 0; q < 4; ++q) acc.val[q] = vfmaq_f32(acc.val[q], k, x[q]);
    return acc;
  }
  static void store(float* y, int64_t n, Acc acc) {
    if (n >= 16) {
      for (int q = 0; q < 4; ++q) vst1q_f32(y + 4 * q, acc.val[q]);
      return;
    }
    float lanes[16];
    for (int q = 0; q < 4; ++q) vst1q_f32(lanes + 4 * q, acc.val[q]);
    for (int64_t i = 0; i < n; ++i) y[i] = lanes[i];
  }
};

}  // namespace

void depthwise_plane_f32_neon(const float* x, const float* k, float bias, const DepthwisePlane& p, float* y,
                              float* pad) {
  depthwise_detail::plane<Neon>(x, k, bias, p, y, pad);
}

}  // namespace edgewm
