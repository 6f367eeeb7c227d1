#pragma once
// The depthwise plane loop, included by the per-ISA files only (x86/depthwise_avx2.cc,
// x86/depthwise_avx512.cc, arm/depthwise_neon.cc), each compiling it with its ISA. Internal
// linkage and no std:: templates (see winograd_transforms_portable.h);
// the function templates here live in an anonymous namespace too.
#include <cstdint>
#include <cstring>

#include "kernels/conv/depthwise.h"

namespace edgewm::depthwise_detail {
namespace {

constexpr int64_t kLanes = 16;  // outputs per register block (one zmm, two ymm)

// The plane copied into a zero-padded buffer the filter can slide over without bounds checks:
// row r, column q hold x[r - ph][q - pw].
void pad_plane(const float* x, const DepthwisePlane& p, float* pad, int64_t rows, int64_t width) {
  for (int64_t r = 0; r < rows; ++r) {
    float* dst = pad + r * width;
    const int64_t iy = r - p.ph;
    if (iy < 0 || iy >= p.h) {
      for (int64_t q = 0; q < width; ++q) dst[q] = 0.f;
      continue;
    }
    // [0, lo) and [hi, width) are padding; [lo, hi) is the input row.
    const int64_t lo = p.pw < width ? p.pw : width;
    const int64_t hi = p.pw + p.w < width ? p.pw + p.w : width;
    for (int64_t q = 0; q < lo; ++q) dst[q] = 0.f;
    if (hi > lo) std::memcpy(dst + lo, x + iy * p.w, static_cast<size_t>(hi - lo) * sizeof(float));
    for (int64_t q = hi > lo ? hi : lo; q < width; ++q) dst[q] = 0.f;
  }
}


// The plane, block by block of kLanes outputs; V supplies the vector type and operations.
template <class V>
void plane(const float* x, const float* k, float bias, const DepthwisePlane& p, float* y, float* pad) {
  const int64_t width = p.pad_width;
  pad_plane(x, p, pad, p.pad_rows, width);
  for (int64_t oy = 0; oy < p.oh; ++oy) {
    float* yr = y + oy * p.ow;
    for (int64_t ox0 = 0; ox0 < p.ow; ox0 += kLanes) {
      typename V::Acc acc = V::splat(bias);
      for (int64_t ky = 0; ky < p.kh; ++ky) {
        const float* row = pad + (oy * p.sh + ky * p.dh) * width + ox0 * p.sw;
        for (int64_t kx = 0; kx < p.kw; ++kx) acc = V::fma(k[ky * p.kw + kx], row + kx * p.dw, p.sw, acc);
      }
      V::store(yr + ox0, p.ow - ox0 < kLanes ? p.ow - ox0 : kLanes, acc);
    }
  }
}

}  // namespace
}  // namespace edgewm::depthwise_detail
