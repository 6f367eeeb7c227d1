#pragma once
// One output row of an integer depthwise convolution (kernels/quant/qlinear_depthwise.cc):
// int32 sums of a channel's taps over a padded plane of x less its zero point (int16, zeros in
// the padding), written for the compiler to vectorise in each ISA's file (x86/qgemm_avx2.cc,
// gemm/qgemm_portable.cc). Exact: |x - zp| <= 255, |w - zp| <= 128, so each product fits 16
// bits' square and the sum of a window's taps int32. Internal linkage, as
// quant/quantize_rows_portable.h says why.
#include <cstdint>

#include "kernels/gemm/qgemm_micro.h"

namespace edgewm::qdepthwise_detail {
namespace {

void depthwise_row(const int16_t* x, int64_t pw, const int16_t* w, int kh, int kw, int sw, int dh, int dw, int64_t ow,
                   int32_t* acc) {
  for (int64_t o = 0; o < ow; ++o) acc[o] = 0;
  for (int ky = 0; ky < kh; ++ky)
    for (int kx = 0; kx < kw; ++kx) {
      const int32_t wv = w[ky * kw + kx];
      const int16_t* src = x + ky * dh * pw + kx * dw;
      if (sw == 1) {
        for (int64_t o = 0; o < ow; ++o) acc[o] += wv * src[o];
      } else {
        for (int64_t o = 0; o < ow; ++o) acc[o] += wv * src[o * sw];
      }
    }
}

}  // namespace
}  // namespace edgewm::qdepthwise_detail
