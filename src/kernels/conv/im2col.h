#pragma once
// im2col for 2-D convolutions (Conv, edgewm.UpsampleConv): the GEMM's B panel straight from
// the image, for the conv drivers (kernels/conv/).
#include <algorithm>
#include <cstdint>

#include "kernels/ref/nn.h"

namespace edgewm {

#if defined(__GNUC__) && !defined(__clang__)
// The copies are 8..64 values: GCC would turn the loops into memmove/memset calls that cost more.
#define EDGEWM_INLINE_COPIES __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define EDGEWM_INLINE_COPIES
#endif

// 2-D im2col of rows [k0, k0+kc) x columns [j0, j0+nc) through a zero-padded copy of the input
// rows the block reads: each packed run is then a plain (strided) copy of up to OW values, with
// no per-run edge tests (those cost more than the copies on 8x8 images). Returns false, leaving
// the generic path, when the padded rows do not fit the stack buffer (very wide images).
template <class T>
EDGEWM_INLINE_COPIES inline bool pack_im2col_2d(const ref::nn::Window& win, const T* xb, int64_t k0, int64_t kc, int64_t j0,
                                                int64_t nc, T* dst, int64_t ldp) {
  constexpr int64_t kCap = 32768 / sizeof(T);  // 32 KiB on the stack
  const int64_t OW = win.out[1], IH = win.in[0], IW = win.in[1], KH = win.kernel[0], KW = win.kernel[1];
  const int64_t sh = win.stride[0], sw = win.stride[1], dh = win.dilation[0], dw = win.dilation[1];
  const int64_t ph = win.pad_begin[0], pw = win.pad_begin[1];
  const int64_t oh0 = j0 / OW, oh1 = (j0 + nc - 1) / OW;
  const int64_t r0 = oh0 * sh - ph;                             // first input row read (may be padding)
  const int64_t rows = (oh1 - oh0) * sh + (KH - 1) * dh + 1;    // input rows read
  const int64_t width = (OW - 1) * sw + (KW - 1) * dw + 1;      // padded columns read, from -pw
  if (rows * width > kCap) return false;
  alignas(64) T buf[kCap];
  const int64_t IHW = IH * IW, KS = KH * KW;
  int64_t c = k0 / KS, q = k0 % KS, kh = q / KW, kw = q % KW, loaded = -1;
  for (int64_t kk = 0; kk < kc; ++kk) {
    if (c != loaded) {  // the padded rows of input channel c
      const T* xc = xb + c * IHW;
      for (int64_t r = 0; r < rows; ++r) {
        T* b = buf + r * width;
        const int64_t ih = r0 + r;
        if (ih < 0 || ih >= IH) {
          std::fill(b, b + width, T(0));
          continue;
        }
        const int64_t lo = std::min(width, pw), hi = std::clamp<int64_t>(IW + pw, lo, width);
        const T* x = xc + ih * IW - pw;
        for (int64_t t = 0; t < lo; ++t) b[t] = T(0);
        for (int64_t t = lo; t < hi; ++t) b[t] = x[t];
        for (int64_t t = hi; t < width; ++t) b[t] = T(0);
      }
      loaded = c;
    }
    T* d = dst + kk * ldp;
    const T* base = buf + kh * dh * width + kw * dw;
    // One output row at a time, without divisions (they would dominate on 8-wide rows).
    for (int64_t j = 0, ow = j0 - oh0 * OW; j < nc; ow = 0) {
      const int64_t len = std::min(OW - ow, nc - j);
      const T* src = base + ow * sw;
      T* o = d + j;
      if (sw == 1) {
        for (int64_t t = 0; t < len; ++t) o[t] = src[t];
      } else {
        for (int64_t t = 0; t < len; ++t) o[t] = src[t * sw];
      }
      j += len;
      base += sh * width;
    }
    std::fill(d + nc, d + ldp, T(0));
    if (++kw == KW) {
      kw = 0;
      if (++kh == KH) kh = 0, ++c;
    }
  }
  return true;
}

}  // namespace edgewm
