#pragma once
// Sliding-window index mapping shared by the convolution drivers (plain loops, no ISA code).
#include <cstdint>

#include "kernels/ref/nn.h"

namespace edgewm::ref::nn {

// The kernel tap of flat index `flat` (row-major over `kernel`), per spatial dim.
inline void kernel_index(const int64_t* kernel, int nd, int64_t flat, int64_t* kidx) {
  for (int d = nd - 1; d >= 0; --d) {
    kidx[d] = flat % kernel[d];
    flat /= kernel[d];
  }
}

// Maps source positions [j0, j0+n) of a `src` grid (flattened row-major) through
// target = src * stride - pad_begin + kidx * dilation to a `dst` grid, one run of the last
// dim at a time: f(rel, len, row, s0, lo, hi) where rel is the offset of the run in [0, n),
// s0 its first last-dim source index, row the target row start (flattened index of the target
// with last coordinate 0) or -1 when the run's outer coordinates fall outside the target, and
// [lo, hi) the last-dim source indices whose target lies inside (possibly empty).
struct GridMap {
  int nd = 0;
  const int64_t* src = nullptr;
  const int64_t* dst = nullptr;
  const int64_t* stride = nullptr;
  const int64_t* pad_begin = nullptr;
  const int64_t* dilation = nullptr;

  template <class F> void runs(const int64_t* kidx, int64_t j0, int64_t n, F&& f) const {
    const int L = nd - 1;
    int64_t s[kMaxSpatial];
    int64_t rem = j0;
    for (int d = L; d >= 0; --d) {
      s[d] = rem % src[d];
      rem /= src[d];
    }
    const int64_t off = kidx[L] * dilation[L] - pad_begin[L];
    // target = s * stride + off in [0, dst): s >= ceil(-off / stride), s <= floor((dst - 1 - off) / stride)
    const int64_t lo_all = std::max<int64_t>(0, ceil_div(-off, stride[L]));
    const int64_t hi_all = std::min<int64_t>(src[L], floor_div(dst[L] - 1 - off, stride[L]) + 1);
    int64_t p = 0;
    while (p < n) {
      const int64_t len = std::min(src[L] - s[L], n - p);
      int64_t row = 0;
      bool valid = true;
      for (int d = 0; d < L; ++d) {
        const int64_t t = s[d] * stride[d] - pad_begin[d] + kidx[d] * dilation[d];
        if (t < 0 || t >= dst[d]) valid = false;
        row = row * dst[d] + t;
      }
      const int64_t s0 = s[L], s1 = s0 + len;
      const int64_t lo = std::clamp(lo_all, s0, s1), hi = std::clamp(hi_all, lo, s1);
      f(p, len, valid ? row * dst[L] : int64_t{-1}, s0, lo, hi);
      p += len;
      s[L] += len;
      for (int d = L; d > 0 && s[d] == src[d]; --d) {
        s[d] = 0;
        ++s[d - 1];
      }
    }
  }
};

}  // namespace edgewm::ref::nn
