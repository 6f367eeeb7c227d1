#pragma once
// The exact integer Winograd F(2x2, 3x3) transforms of QLinearConv (kernels/quant/
// qlinear_winograd.cc): loops over the tiles of one tile row with unit-stride inner loops, so
// each ISA's file (x86/qgemm_avx2.cc, gemm/qgemm_portable.cc) compiles them to its vectors.
// Internal linkage and no std:: templates, as winograd_transforms_portable.h says why.
#include <cstdint>

#include "kernels/gemm/qgemm_micro.h"
#include "kernels/quant/qwinograd_common_portable.h"

namespace edgewm::qwinograd_detail {
namespace {

constexpr int64_t kMaxTw = 512;  // tiles per tile row (QWinogradShape::tw) these buffers hold

// One channel's tile row ty: the four input rows it reads, padded with the zero point (so the
// padding becomes 0 once it is subtracted), split into even and odd columns less the zero point,
// B^T down the rows and B along them; o[xi][t] for the row's tiles. T is u8, or s8 flipped to u8.
template <class T>
void input_row(const T* xc, int32_t zx, const QWinogradShape& s, int64_t ty, int16_t (*o)[kMaxTw + 16]) {
  const int64_t tw = s.tw, n = tw + 1, width = 2 * n;  // columns a tile row reads, from -pad_l
  const uint8_t flip = sizeof(T) == 1 && static_cast<T>(-1) < 0 ? 0x80 : 0;
  const int32_t z = flip ? zx + 128 : zx;  // the zero point as a u8
  int16_t e[4][kMaxTw + 16], od[4][kMaxTw + 16];
  for (int i = 0; i < 4; ++i) {
    uint8_t row[2 * kMaxTw + 32];
    qwinograd_common_detail::padded_row(xc, s, 2 * ty - s.pad_t + i, flip, z, width, row);
    for (int64_t k = 0; k < n; ++k) {
      e[i][k] = static_cast<int16_t>(row[2 * k] - z);
      od[i][k] = static_cast<int16_t>(row[2 * k + 1] - z);
    }
  }
  // B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1] down the rows, on the even and odd columns.
  int16_t se[4][kMaxTw + 16], so[4][kMaxTw + 16];
  for (int64_t k = 0; k < n; ++k) {
    se[0][k] = static_cast<int16_t>(e[0][k] - e[2][k]);
    se[1][k] = static_cast<int16_t>(e[1][k] + e[2][k]);
    se[2][k] = static_cast<int16_t>(e[2][k] - e[1][k]);
    se[3][k] = static_cast<int16_t>(e[1][k] - e[3][k]);
    so[0][k] = static_cast<int16_t>(od[0][k] - od[2][k]);
    so[1][k] = static_cast<int16_t>(od[1][k] + od[2][k]);
    so[2][k] = static_cast<int16_t>(od[2][k] - od[1][k]);
    so[3][k] = static_cast<int16_t>(od[1][k] - od[3][k]);
  }
  // B along the row: tile t reads columns 2t .. 2t + 3 = se[t] so[t] se[t+1] so[t+1].
  for (int i = 0; i < 4; ++i) {
    const int16_t* a = se[i];
    const int16_t* b = so[i];
    int16_t* r0 = o[i * 4];
    int16_t* r1 = o[i * 4 + 1];
    int16_t* r2 = o[i * 4 + 2];
    int16_t* r3 = o[i * 4 + 3];
    for (int64_t t = 0; t < tw; ++t) {
      r0[t] = static_cast<int16_t>(a[t] - a[t + 1]);
      r1[t] = static_cast<int16_t>(b[t] + a[t + 1]);
      r2[t] = static_cast<int16_t>(a[t + 1] - b[t]);
      r3[t] = static_cast<int16_t>(b[t] - b[t + 1]);
    }
  }
}

// Both output rows of one tile row of one channel: m[i * 4 + j] (stride mplane) holds M's tiles
// from column 0; Y' = A^T M A with A^T = [1 1 1 0; 0 1 -1 -1] in uint32 (modulo 2^32, exact
// where the true value fits), divided by 4 (exact: Y' is 4 times the sum). rows: [2][2 * tw].
[[maybe_unused]] void output_tile_row_split(const int32_t* m, int64_t mplane, int64_t tw, int32_t* row0, int32_t* row1) {
  const uint32_t* p = reinterpret_cast<const uint32_t*>(m);
  for (int64_t t = 0; t < tw; ++t) {
    uint32_t a[4], b[4];
    for (int j = 0; j < 4; ++j) {
      const uint32_t m0 = p[j * mplane + t], m1 = p[(4 + j) * mplane + t], m2 = p[(8 + j) * mplane + t],
                     m3 = p[(12 + j) * mplane + t];
      a[j] = m0 + m1 + m2;
      b[j] = m1 - m2 - m3;
    }
    row0[2 * t] = static_cast<int32_t>(a[0] + a[1] + a[2]) >> 2;
    row0[2 * t + 1] = static_cast<int32_t>(a[1] - a[2] - a[3]) >> 2;
    row1[2 * t] = static_cast<int32_t>(b[0] + b[1] + b[2]) >> 2;
    row1[2 * t + 1] = static_cast<int32_t>(b[1] - b[2] - b[3]) >> 2;
  }
}

[[maybe_unused]] void output_tile_row(const int32_t* m, int64_t mplane, int64_t tw, int32_t* rows) {
  output_tile_row_split(m, mplane, tw, rows, rows + 2 * tw);
}

[[maybe_unused]] void input_pair(const void* x, bool x_signed, int32_t zx, const QWinogradShape& s, int64_t ty0, int64_t ty1, int64_t c0,
                int16_t* v, int64_t plane) {
  for (int64_t ty = ty0; ty < ty1; ++ty) {
    if (x_signed)
      qwinograd_common_detail::input_row_pair<16, kMaxTw + 16>(static_cast<const int8_t*>(x), zx, s, ty, (ty - ty0) * s.tw,
                                                          c0, v, plane, input_row<int8_t>);
    else
      qwinograd_common_detail::input_row_pair<16, kMaxTw + 16>(static_cast<const uint8_t*>(x), zx, s, ty, (ty - ty0) * s.tw,
                                                          c0, v, plane, input_row<uint8_t>);
  }
}

}  // namespace
}  // namespace edgewm::qwinograd_detail
