#pragma once
// The exact integer Winograd F(4x4, 3x3) transforms of QLinearConv (kernels/quant/
// qlinear_winograd.cc says why they are exact): loops over the tiles of one tile row with
// unit-stride inner loops, so each ISA's file compiles them to its vectors. Internal linkage,
// as qwinograd_transforms_portable.h (the F(2x2, 3x3) twin) says why.
//
//   V  = B^T d B,  B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   Y' = A'^T M A', A'^T = [6 4 4 1 1 0; 0 4 -4 2 -2 0; 0 4 4 4 4 0; 0 4 -4 8 -8 24]
// with M the channel sums of U' * V (U' from G' = [1 0 0; -1 -1 -1; -1 1 -1; 1 2 4; 1 -2 4; 0 0 1],
// G's rows scaled by 4, 6, 6, 24, 24, 1, which A'^T's columns undo): Y' = 576 * Y in int32
// modulo 2^32. 576 = 9 * 64: times the inverse of 9 modulo 2^32 gives 64 * Y, exact while
// |Y| < 2^25, and an arithmetic shift Y.
#include <cstdint>

#include "kernels/gemm/qgemm_micro.h"
#include "kernels/quant/qwinograd_common_portable.h"

namespace edgewm::qwinograd43_detail {
namespace {

constexpr int64_t kMaxTw = 128;               // tiles per tile row these buffers hold (qwinograd_fits)
constexpr uint32_t kInverseOf9 = 954437177u;  // 9 * kInverseOf9 = 1 modulo 2^32

// B^T applied to six vectors of n values: o[j][t] = sum_k B^T[j][k] in[k][t] (s16, |o| <= 10 max|in|).
inline void bt6(const int16_t* const in[6], int16_t* const o[6], int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    const int32_t a0 = in[0][t], a1 = in[1][t], a2 = in[2][t], a3 = in[3][t], a4 = in[4][t], a5 = in[5][t];
    o[0][t] = static_cast<int16_t>(4 * (a0 - a2) + (a4 - a2));
    o[1][t] = static_cast<int16_t>((a3 + a4) - 4 * (a1 + a2));
    o[2][t] = static_cast<int16_t>((a4 - a3) + 4 * (a1 - a2));
    o[3][t] = static_cast<int16_t>((a4 - a2) - 2 * (a1 - a3));
    o[4][t] = static_cast<int16_t>((a4 - a2) + 2 * (a1 - a3));
    o[5][t] = static_cast<int16_t>(4 * (a1 - a3) + (a5 - a3));
  }
}

// A'^T applied to six vectors of n values, modulo 2^32: o[q][t] = sum_p A'^T[q][p] in[p][t].
inline void at6(const uint32_t* const in[6], uint32_t* const o[4], int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    const uint32_t a0 = in[0][t], a1 = in[1][t], a2 = in[2][t], a3 = in[3][t], a4 = in[4][t], a5 = in[5][t];
    const uint32_t s12 = a1 + a2, d12 = a1 - a2, s34 = a3 + a4, d34 = a3 - a4;
    o[0][t] = 6 * a0 + 4 * s12 + s34;
    o[1][t] = 4 * d12 + 2 * d34;
    o[2][t] = 4 * s12 + 4 * s34;
    o[3][t] = 4 * d12 + 8 * d34 + 24 * a5;
  }
}

// One channel's tile row ty: its six input rows padded with the zero point (so the padding is 0
// once subtracted), each split into its columns modulo 4 less the zero point, B along the rows
// and B^T down them; o[xi][t] (xi = 6 * row transform + column transform) for the row's tiles.
template <class T>
void input_row(const T* xc, int32_t zx, const QWinogradShape& s, int64_t ty, int16_t (*o)[kMaxTw + 16]) {
  const int64_t tw = s.tw, n = tw + 1, width = 4 * n;  // columns a tile row reads (4 tw + 2), from -pad_l
  const uint8_t flip = sizeof(T) == 1 && static_cast<T>(-1) < 0 ? 0x80 : 0;
  const int32_t z = flip ? zx + 128 : zx;  // the zero point as a u8
  int16_t w[6][6][kMaxTw + 16];  // d B: [input row][column transform][tile]
  for (int i = 0; i < 6; ++i) {
    uint8_t row[4 * kMaxTw + 32];
    qwinograd_common_detail::padded_row(xc, s, 4 * ty - s.pad_t + i, flip, z, width, row);
    int16_t e[4][kMaxTw + 16];  // column 4t + q
    for (int64_t t = 0; t < n; ++t)
      for (int q = 0; q < 4; ++q) e[q][t] = static_cast<int16_t>(row[4 * t + q] - z);
    // Tile t reads columns 4t .. 4t + 5: e[0..3][t], then e[0][t + 1] and e[1][t + 1].
    const int16_t* in[6] = {e[0], e[1], e[2], e[3], e[0] + 1, e[1] + 1};
    int16_t* out[6] = {w[i][0], w[i][1], w[i][2], w[i][3], w[i][4], w[i][5]};
    bt6(in, out, tw);
  }
  for (int j = 0; j < 6; ++j) {  // B^T down the rows
    const int16_t* in[6] = {w[0][j], w[1][j], w[2][j], w[3][j], w[4][j], w[5][j]};
    int16_t* out[6] = {o[j], o[6 + j], o[12 + j], o[18 + j], o[24 + j], o[30 + j]};
    bt6(in, out, tw);
  }
}

[[maybe_unused]] void input_pair(const void* x, bool x_signed, int32_t zx, const QWinogradShape& s, int64_t ty0,
                                 int64_t ty1, int64_t c0, int16_t* v, int64_t plane) {
  for (int64_t ty = ty0; ty < ty1; ++ty) {
    if (x_signed)
      qwinograd_common_detail::input_row_pair<36, kMaxTw + 16>(static_cast<const int8_t*>(x), zx, s, ty, (ty - ty0) * s.tw,
                                                          c0, v, plane, input_row<int8_t>);
    else
      qwinograd_common_detail::input_row_pair<36, kMaxTw + 16>(static_cast<const uint8_t*>(x), zx, s, ty, (ty - ty0) * s.tw,
                                                          c0, v, plane, input_row<uint8_t>);
  }
}

// The four output rows of one tile row of one channel: m[p * 6 + j] (stride mplane) holds M's
// tiles from column 0; rows[r * rstride + 4 t + q] = the sum at output row r, column 4t + q.
[[maybe_unused]] void output_tile_row_strided(const int32_t* m, int64_t mplane, int64_t tw, int32_t* rows, int64_t rstride) {
  const uint32_t* p = reinterpret_cast<const uint32_t*>(m);
  for (int64_t t0 = 0; t0 < tw; t0 += 16) {
    const int64_t n = tw - t0 < 16 ? tw - t0 : 16;
    uint32_t r[4][6][16], y[4][4][16];
    for (int j = 0; j < 6; ++j) {  // A'^T down the rows
      const uint32_t* in[6];
      for (int q = 0; q < 6; ++q) in[q] = p + (q * 6 + j) * mplane + t0;
      uint32_t* out[4] = {r[0][j], r[1][j], r[2][j], r[3][j]};
      at6(in, out, n);
    }
    for (int q = 0; q < 4; ++q) {  // and along them
      const uint32_t* in[6] = {r[q][0], r[q][1], r[q][2], r[q][3], r[q][4], r[q][5]};
      uint32_t* out[4] = {y[q][0], y[q][1], y[q][2], y[q][3]};
      at6(in, out, n);
    }
    for (int q = 0; q < 4; ++q)
      for (int c = 0; c < 4; ++c)
        for (int64_t t = 0; t < n; ++t)
          rows[q * rstride + 4 * (t0 + t) + c] = static_cast<int32_t>(y[q][c][t] * kInverseOf9) >> 6;
  }
}

[[maybe_unused]] void output_tile_row(const int32_t* m, int64_t mplane, int64_t tw, int32_t* rows) {
  output_tile_row_strided(m, mplane, tw, rows, 4 * tw);
}

}  // namespace
}  // namespace edgewm::qwinograd43_detail
