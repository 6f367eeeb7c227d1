#pragma once
// What the AVX2 integer Winograd input transforms (x86/qwinograd_avx2.cc for F(2x2, 3x3),
// x86/qwinograd43_avx2.cc for F(4x4, 3x3)) share: the block's input rows padded with the zero
// point, and the store of both channels' transformed values into the s16 micro-kernel's panels.
// Internal linkage, AVX2 files only.
#include <immintrin.h>

#include <cstdint>

#include "kernels/gemm/qgemm_micro.h"

namespace edgewm::qwinograd_avx2_detail {
namespace {

// Inline vector fills and copies: libc's memset/memcpy calls on these 30-100 byte rows cost
// more than the transform itself.
inline void fill(uint8_t* buf, int64_t n, __m256i zb) {
  for (int64_t j = 0; j < n; j += 32) _mm256_storeu_si256(reinterpret_cast<__m256i*>(buf + j), zb);
}

// Input row yy of one channel (u8, or s8 with its sign bit flipped) from column -pad_l, `width`
// columns, padded with zb (the zero point as u8) to `stride` bytes (a multiple of 32).
template <class T>
void padded_row(const T* xc, const QWinogradShape& s, int64_t yy, uint8_t flip, __m256i zb, int64_t width,
                int64_t stride, uint8_t* buf) {
  fill(buf, stride, zb);
  if (yy < 0 || yy >= s.h) return;
  const uint8_t* xr = reinterpret_cast<const uint8_t*>(xc + yy * s.w);
  const int64_t lo = s.pad_l < width ? s.pad_l : width, hi = s.w + s.pad_l < width ? s.w + s.pad_l : width;
  const __m128i f = _mm_set1_epi8(static_cast<char>(flip));
  int64_t j = lo;
  for (; j + 16 <= hi; j += 16)  // reads stay inside the row
    _mm_storeu_si128(reinterpret_cast<__m128i*>(buf + j),
                     _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(xr + (j - s.pad_l))), f));
  for (; j < hi; ++j) buf[j] = static_cast<uint8_t>(xr[j - s.pad_l] ^ flip);
}

// The nrows input rows from y0 of channels c0 and c0 + 1 (zero point past c), padded, at
// buf + (ch * nrows + i) * stride. All of the block's rows first, then the transforms: reading
// a row right after writing it stalled every load on store forwarding (it spans two stores).
template <class T>
void pad_block(const T* x, const QWinogradShape& s, int64_t c0, int64_t y0, int64_t nrows, int64_t width, int64_t stride,
               uint8_t flip, __m256i zb, uint8_t* buf) {
  for (int ch = 0; ch < 2; ++ch)
    for (int64_t i = 0; i < nrows; ++i) {
      uint8_t* row = buf + (ch * nrows + i) * stride;
      if (c0 + ch < s.c) padded_row(x + (c0 + ch) * s.h * s.w, s, y0 + i, flip, zb, width, stride, row);
      else fill(row, stride, zb);
    }
}

// Tile rows per vector: 1 from 16 tiles a row, else 16 / tw (tw 8 or 4) when the block's rows
// come in such groups (so narrow images fill the vector too); otherwise one at a time.
inline int64_t tile_row_group(int64_t tw, int64_t tile_rows) {
  return (tw == 8 || tw == 4) && tile_rows % (16 / tw) == 0 ? 16 / tw : 1;
}

// Points [0, P) of 16 tiles of channels c0 (a) and c0 + 1 (b), the block's tiles tt .. tt + n,
// into the panels: [tile][channel pair] s16 pairs, one 64-byte store per point when the 16
// tiles fill a panel, lane by lane otherwise.
template <int P>
inline void store_points(const __m256i (&a)[P], const __m256i (&b)[P], const QWinogradShape& s, int64_t c0, int64_t tt,
                         int64_t n, int16_t* v, int64_t plane) {
  if (tt % 16 == 0 && n == 16) {
    int16_t* dst = v + ((tt / 16) * s.cp / 2 + c0 / 2) * 32;
    for (int xi = 0; xi < P; ++xi) {
      const __m256i lo = _mm256_unpacklo_epi16(a[xi], b[xi]), hi = _mm256_unpackhi_epi16(a[xi], b[xi]);
      __m256i* d = reinterpret_cast<__m256i*>(dst + xi * plane);
      _mm256_storeu_si256(d, _mm256_permute2x128_si256(lo, hi, 0x20));      // tiles 0-7
      _mm256_storeu_si256(d + 1, _mm256_permute2x128_si256(lo, hi, 0x31));  // tiles 8-15
    }
    return;
  }
  alignas(32) int16_t ta[16], tb[16];
  for (int xi = 0; xi < P; ++xi) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(ta), a[xi]);
    _mm256_store_si256(reinterpret_cast<__m256i*>(tb), b[xi]);
    for (int64_t q = 0; q < n; ++q) {
      const int64_t u = tt + q;
      int16_t* d = v + xi * plane + (((u / 16) * s.cp / 2 + c0 / 2) * 16 + u % 16) * 2;
      d[0] = ta[q];
      d[1] = tb[q];
    }
  }
}

// QWinogradTransforms::input_pair for tiles of E x E outputs, with transform16(rows, t, lanes,
// zero, out) computing the (E + 2)^2 points of 16 tiles from column E * t of the padded rows
// rows[q][i] (tile row q of the vector's group, its input row i), `lanes` tiles a row each.
template <int E, class T, class Transform16>
void input_pair_blocks(const T* x, int32_t zx, const QWinogradShape& s, int64_t ty0, int64_t ty1, int64_t c0, int16_t* v,
                       int64_t plane, Transform16 transform16) {
  constexpr int R = E + 2, P = R * R;
  const uint8_t flip = static_cast<T>(-1) < 0 ? 0x80 : 0;
  const uint8_t z = static_cast<uint8_t>(flip ? zx + 128 : zx);
  const __m256i zv = _mm256_set1_epi16(z), zb = _mm256_set1_epi8(static_cast<char>(z));
  const int64_t width = E * s.tw + 2, stride = qwinograd_row_stride(s.tw, E);
  const int64_t nrows = E * (ty1 - ty0) + 2;
  alignas(32) uint8_t buf[kPadBytes];
  pad_block(x, s, c0, E * ty0 - s.pad_t, nrows, width, stride, flip, zb, buf);
  const int64_t group = tile_row_group(s.tw, ty1 - ty0);
  const int64_t span = group > 1 ? 16 : s.tw;  // tiles per vector's row
  const int64_t lanes = group > 1 ? s.tw : 16;
  for (int64_t ty = ty0; ty < ty1; ty += group) {
    const uint8_t* r[2][4][R];
    for (int ch = 0; ch < 2; ++ch)
      for (int64_t q = 0; q < group; ++q)
        for (int i = 0; i < R; ++i) r[ch][q][i] = buf + (ch * nrows + E * (ty + q - ty0) + i) * stride;
    for (int64_t t = 0; t < span; t += 16) {
      __m256i a[P], b[P];
      transform16(r[0], t, lanes, zv, a);
      transform16(r[1], t, lanes, zv, b);  // channel c0 + 1 (all zeros past c)
      store_points(a, b, s, c0, (ty - ty0) * s.tw + t, span - t < 16 ? span - t : 16, v, plane);
    }
  }
}

}  // namespace
}  // namespace edgewm::qwinograd_avx2_detail
