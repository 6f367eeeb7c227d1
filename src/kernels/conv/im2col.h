#pragma once
// im2col for 2-D convolutions (Conv, edgewm.UpsampleConv): the GEMM's B panel straight from
// the image, for the conv drivers (kernels/conv/).
#include <algorithm>
#include <cstdint>

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "kernels/ref/grid_map.h"
#include "kernels/ref/nn.h"

namespace edgewm {

#if defined(__GNUC__) && !defined(__clang__)
// The copies are 8..64 values: GCC would turn the loops into memmove/memset calls that cost more.
#define EDGEWM_INLINE_COPIES __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define EDGEWM_INLINE_COPIES
#endif

// The runs of an im2col row are 4..64 values (a row of an 8x8 image is 8 bytes): copied in
// blocks of 8 values, the last block overlapping the one before, instead of value by value (the
// byte loop made packing a quarter of an INT8 3x3 layer's time on 8x8 images).
template <class T> inline void copy_run(const T* src, int64_t len, T* o) {
  if (len < 8) {
    for (int64_t t = 0; t < len; ++t) o[t] = src[t];
    return;
  }
  int64_t t = 0;
  for (; t + 8 <= len; t += 8) std::memcpy(o + t, src + t, 8 * sizeof(T));
  if (t < len) std::memcpy(o + len - 8, src + len - 8, 8 * sizeof(T));
}

// Every second value of src (a stride-2 convolution's run): for bytes 8 at a time from 16 read
// (SSE2, the x86-64 baseline), reading one value past the run's last.
template <class T> inline void copy_run_stride2(const T* src, int64_t len, T* o) {
  int64_t t = 0;
#if defined(__SSE2__)
  if constexpr (sizeof(T) == 1) {
    const __m128i lo = _mm_set1_epi16(0x00ff);
    for (; t + 8 <= len; t += 8) {
      const __m128i v = _mm_and_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * t)), lo);
      _mm_storel_epi64(reinterpret_cast<__m128i*>(o + t), _mm_packus_epi16(v, v));
    }
  }
#endif
  for (; t < len; ++t) o[t] = src[2 * t];
}

// nrows runs of L values, src's `step` apart, into d back to back: one fixed-size move each
// (8x8 images: 2.2x faster im2col than a run-length loop per run).
template <int L, class T> inline void copy_rows(const T* src, int64_t step, int64_t nrows, T* d) {
  for (int64_t r = 0; r < nrows; ++r) std::memcpy(d + r * L, src + r * step, L * sizeof(T));
}

// 2-D im2col of rows [k0, k0+kc) x columns [j0, j0+nc) through a zero-padded copy of the input
// rows the block reads: each packed run is then a plain (strided) copy of up to OW values, with
// no per-run edge tests (those cost more than the copies on 8x8 images). Returns false, leaving
// the generic path, when the padded rows do not fit the stack buffer (very wide images). The
// padding holds `pad` (an integer input's zero point); columns nc..ldp are zero.
template <class T>
EDGEWM_INLINE_COPIES inline bool pack_im2col_2d(const ref::nn::Window& win, const T* xb, int64_t k0, int64_t kc, int64_t j0,
                                                int64_t nc, T* dst, int64_t ldp, T pad = T(0)) {
  constexpr int64_t kCap = 32768 / sizeof(T);  // 32 KiB on the stack
  const int64_t OW = win.out[1], IH = win.in[0], IW = win.in[1], KH = win.kernel[0], KW = win.kernel[1];
  const int64_t sh = win.stride[0], sw = win.stride[1], dh = win.dilation[0], dw = win.dilation[1];
  const int64_t ph = win.pad_begin[0], pw = win.pad_begin[1];
  const int64_t oh0 = j0 / OW, oh1 = (j0 + nc - 1) / OW;
  const int64_t r0 = oh0 * sh - ph;                             // first input row read (may be padding)
  const int64_t rows = (oh1 - oh0) * sh + (KH - 1) * dh + 1;    // input rows read
  const int64_t width = (OW - 1) * sw + (KW - 1) * dw + 1;      // padded columns read, from -pw
  if (rows * width > kCap) return false;
  alignas(64) T buf[kCap + 16];  // + 16: copy_run_stride2 reads one value past a run
  const int64_t IHW = IH * IW, KS = KH * KW;
  const bool whole_rows = j0 % OW == 0 && nc % OW == 0;  // the block is whole output rows
  const int64_t nrows = nc / OW;
  int64_t c = k0 / KS, q = k0 % KS, kh = q / KW, kw = q % KW, loaded = -1;
  for (int64_t kk = 0; kk < kc; ++kk) {
    if (c != loaded) {  // the padded rows of input channel c
      const T* xc = xb + c * IHW;
      for (int64_t r = 0; r < rows; ++r) {
        T* b = buf + r * width;
        const int64_t ih = r0 + r;
        if (ih < 0 || ih >= IH) {
          std::fill(b, b + width, pad);
          continue;
        }
        const int64_t lo = std::min(width, pw), hi = std::clamp<int64_t>(IW + pw, lo, width);
        const T* x = xc + ih * IW - pw;
        for (int64_t t = 0; t < lo; ++t) b[t] = pad;
        copy_run(x + lo, hi - lo, b + lo);
        for (int64_t t = hi; t < width; ++t) b[t] = pad;
      }
      loaded = c;
    }
    T* d = dst + kk * ldp;
    const T* base = buf + kh * dh * width + kw * dw;
    if (whole_rows && sw == 1) {  // the common case: a fixed-size copy per output row
      const int64_t step = sh * width;
      switch (OW) {
        case 4: copy_rows<4>(base, step, nrows, d); break;
        case 8: copy_rows<8>(base, step, nrows, d); break;
        case 16: copy_rows<16>(base, step, nrows, d); break;
        case 32: copy_rows<32>(base, step, nrows, d); break;
        default:
          for (int64_t r = 0; r < nrows; ++r) copy_run(base + r * step, OW, d + r * OW);
      }
    } else {
      // One output row at a time, without divisions (they would dominate on 8-wide rows).
      for (int64_t j = 0, ow = j0 - oh0 * OW; j < nc; ow = 0) {
        const int64_t len = std::min(OW - ow, nc - j);
        const T* src = base + ow * sw;
        T* o = d + j;
        if (sw == 1) {
          copy_run(src, len, o);
        } else if (sw == 2) {
          copy_run_stride2(src, len, o);
        } else {
          for (int64_t t = 0; t < len; ++t) o[t] = src[t * sw];
        }
        j += len;
        base += sh * width;
      }
    }
    std::fill(d + nc, d + ldp, T(0));
    if (++kw == KW) {
      kw = 0;
      if (++kh == KH) kh = 0, ++c;
    }
  }
  return true;
}

// im2col of any convolution (1-D to 3-D, strides, dilations, padding) for rows [k0, k0+kc) x
// columns [j0, j0+nc) of image xb (one group's channels): the 1x1 stride-1 case is a copy of
// the image, 2-D goes through pack_im2col_2d, the rest run by run along the last dim. The
// padding holds `pad`; columns nc..ldp are zero.
template <class T>
inline void pack_im2col(const ref::nn::Window& win, const ref::nn::GridMap& map, bool pointwise, const T* xb,
                        int64_t k0, int64_t kc, int64_t j0, int64_t nc, T* dst, int64_t ldp, T pad = T(0)) {
  const int64_t IHW = win.in_size(), KS = win.kernel_size();
  if (pointwise) {  // 1x1, stride 1, no padding: B is the image itself, row k = channel k
    for (int64_t kk = 0; kk < kc; ++kk) {
      std::memcpy(dst + kk * ldp, xb + (k0 + kk) * IHW + j0, static_cast<size_t>(nc) * sizeof(T));
      std::fill(dst + kk * ldp + nc, dst + (kk + 1) * ldp, T(0));
    }
    return;
  }
  if (win.nd == 2 && pack_im2col_2d(win, xb, k0, kc, j0, nc, dst, ldp, pad)) return;
  const int64_t s_last = win.stride[win.nd - 1];
  for (int64_t kk = 0; kk < kc; ++kk) {
    const int64_t row = k0 + kk;
    int64_t kidx[ref::nn::kMaxSpatial];
    ref::nn::kernel_index(win.kernel, win.nd, row % KS, kidx);
    const T* xc = xb + (row / KS) * IHW;
    const int64_t off = kidx[win.nd - 1] * win.dilation[win.nd - 1] - win.pad_begin[win.nd - 1];
    T* d = dst + kk * ldp;
    map.runs(kidx, j0, nc, [&](int64_t rel, int64_t len, int64_t in_row, int64_t s0, int64_t lo, int64_t hi) {
      T* o = d + rel;
      if (in_row < 0) {
        std::fill(o, o + len, pad);
        return;
      }
      const T* src = xc + in_row + off;
      // [s0, lo) and [hi, s0 + len) fall in the padding; [lo, hi) is one input row segment.
      std::fill(o, o + (lo - s0), pad);
      if (s_last == 1) {
        std::memcpy(o + (lo - s0), src + lo, static_cast<size_t>(hi - lo) * sizeof(T));
      } else {
        for (int64_t s = lo; s < hi; ++s) o[s - s0] = src[s * s_last];
      }
      std::fill(o + (hi - s0), o + len, pad);
    });
    std::fill(d + nc, d + ldp, T(0));
  }
}

// Whether a convolution's im2col is the image itself (1x1, stride 1, no padding).
inline bool im2col_is_pointwise(const ref::nn::Window& win) {
  bool pointwise = win.kernel_size() == 1;
  for (int d = 0; d < win.nd; ++d)
    pointwise = pointwise && win.stride[d] == 1 && win.pad_begin[d] == 0 && win.pad_end[d] == 0;
  return pointwise;
}

}  // namespace edgewm
