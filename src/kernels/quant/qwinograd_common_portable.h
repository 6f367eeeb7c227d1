#pragma once
// What the portable integer Winograd input transforms (qwinograd_transforms_portable.h for
// F(2x2, 3x3), qwinograd43_transforms_portable.h for F(4x4, 3x3)) share: an input row padded
// with the zero point, and both channels of a tile row transformed, then stored into the s16
// micro-kernel's panels. Internal linkage, as those headers say why.
#include <cstdint>

#include "kernels/gemm/qgemm_micro.h"

namespace edgewm::qwinograd_common_detail {
namespace {

// Input row yy of one channel xc (T u8, or s8 with its sign bit flipped) from column -pad_l,
// `width` columns, the zero point z (as u8) outside the image.
template <class T>
void padded_row(const T* xc, const QWinogradShape& s, int64_t yy, uint8_t flip, int32_t z, int64_t width, uint8_t* row) {
  const int64_t lo = s.pad_l < width ? s.pad_l : width;
  const int64_t hi = s.w + s.pad_l < width ? s.w + s.pad_l : width;
  if (yy < 0 || yy >= s.h) {
    for (int64_t j = 0; j < width; ++j) row[j] = static_cast<uint8_t>(z);
    return;
  }
  const uint8_t* xr = reinterpret_cast<const uint8_t*>(xc + yy * s.w) - s.pad_l;
  for (int64_t j = 0; j < lo; ++j) row[j] = static_cast<uint8_t>(z);
  for (int64_t j = lo; j < hi; ++j) row[j] = static_cast<uint8_t>(xr[j] ^ flip);
  for (int64_t j = hi; j < width; ++j) row[j] = static_cast<uint8_t>(z);
}

// Channels c0 and c0 + 1 (zeros past c) of tile row ty, whose tiles the block numbers from t0:
// input_row(xc, zx, s, ty, o) writes one channel's P points, o[xi][t] (N tiles at most), and
// tile t of channel pair c0 / 2 lands at [((t / 16) * Cp / 2 + c0 / 2) * 16 + t % 16] * 2.
template <int P, int64_t N, class T, class InputRow>
void input_row_pair(const T* x, int32_t zx, const QWinogradShape& s, int64_t ty, int64_t t0, int64_t c0, int16_t* v,
                    int64_t plane, InputRow input_row) {
  const int64_t tw = s.tw;
  int16_t o[2][P][N];
  for (int ch = 0; ch < 2; ++ch) {
    if (c0 + ch < s.c) {
      input_row(x + (c0 + ch) * s.h * s.w, zx, s, ty, o[ch]);
    } else {
      for (int xi = 0; xi < P; ++xi)
        for (int64_t t = 0; t < tw; ++t) o[ch][xi][t] = 0;
    }
  }
  for (int xi = 0; xi < P; ++xi) {
    int16_t* vp = v + xi * plane;
    for (int64_t t = 0; t < tw;) {
      const int64_t tt = t0 + t, run = 16 - tt % 16 < tw - t ? 16 - tt % 16 : tw - t;
      int16_t* dst = vp + (((tt / 16) * s.cp / 2 + c0 / 2) * 16 + tt % 16) * 2;
      const int16_t* a = o[0][xi] + t;
      const int16_t* b = o[1][xi] + t;
      for (int64_t q = 0; q < run; ++q) {
        dst[2 * q] = a[q];
        dst[2 * q + 1] = b[q];
      }
      t += run;
    }
  }
}

}  // namespace
}  // namespace edgewm::qwinograd_common_detail
