#pragma once
// Depthwise 2-D convolution (group = input channels = output channels): one small filter per
// channel plane, so a GEMM formulation (a K x 1 GEMM per channel) wastes the vector units.
// Direct loops over output rows, vectorised along x, compiled per ISA (x86/depthwise_avx2.cc,
// x86/depthwise_avx512.cc, arm/depthwise_neon.cc) and reached through the ISA tables. This
// header is what those files see; the Conv kernel around them is in depthwise_conv.h.
#include <cstdint>


namespace edgewm {

struct DepthwisePlane {
  int64_t h = 0, w = 0, oh = 0, ow = 0;
  int64_t kh = 0, kw = 0, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  // The zero-padded copy of the input the loops read: every block of 16 outputs reads whole
  // vectors (stride 2: two, up to one float past the last used column). Set by set_padding().
  int64_t pad_rows = 0, pad_width = 0;
  void set_padding();
  int64_t padded_floats() const { return pad_rows * pad_width; }
};

// y (oh x ow) = bias + the kh x kw filter k slid over x (h x w), zero padding; `pad` holds
// p.padded_floats() floats of workspace.
using DepthwisePlaneFn = void (*)(const float* x, const float* k, float bias, const DepthwisePlane& p, float* y,
                                  float* pad);

void depthwise_plane_f32_avx2(const float* x, const float* k, float bias, const DepthwisePlane& p, float* y,
                              float* pad);
void depthwise_plane_f32_avx512(const float* x, const float* k, float bias, const DepthwisePlane& p, float* y,
                                float* pad);
void depthwise_plane_f32_neon(const float* x, const float* k, float bias, const DepthwisePlane& p, float* y,
                              float* pad);  // AArch64 builds only

}  // namespace edgewm
