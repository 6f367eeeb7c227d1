// The integer Winograd F(4x4, 3x3) transforms of QLinearConv on AVX2 (qgemm_micro.h's
// QWinogradTransforms; the matrices and why they are exact: quant/qwinograd43_transforms_portable.h).
// Input: 16 tiles at a time, one s16 lane per tile (of one tile row, or of 2 or 4 narrow ones
// side by side). Each padded input row's 64 bytes for 16 tiles are split into their columns
// modulo 4 by a byte shuffle and a dword permute (a second split 4 bytes on gives columns 4
// and 5), widened less the zero point; B along the rows and B^T down them in s16 adds and
// shifts. Output: 8 tiles at a time, A'^T M A' in wrapping int32, times 9's inverse modulo
// 2^32 and shifted by 6, the 4x4 results transposed into the four output rows.
#include <immintrin.h>

#include <cstdint>

#include "kernels/gemm/qgemm_micro.h"
#include "kernels/quant/qwinograd43_transforms_portable.h"
#include "kernels/x86/qwinograd_rows_avx2.h"

namespace edgewm {

namespace {

using namespace qwinograd_avx2_detail;

// 64 bytes of input row i for 16 tiles from byte `off` of a tile row's padded rows on: one tile
// row's when it has 16 or more tiles, else 16 / tw consecutive tile rows' 4 * tw bytes each
// (tw 8 or 4). rows[q][i]: tile row q's row i.
inline void load_tiles(const uint8_t* const (*rows)[6], int i, int64_t off, int64_t tw, __m256i& l0, __m256i& l1) {
  auto ld = [](const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); };
  auto ld16 = [](const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); };
  if (tw >= 16) {
    l0 = ld(rows[0][i] + off), l1 = ld(rows[0][i] + off + 32);
  } else if (tw == 8) {
    l0 = ld(rows[0][i] + off), l1 = ld(rows[1][i] + off);
  } else {
    l0 = _mm256_inserti128_si256(_mm256_castsi128_si256(ld16(rows[0][i] + off)), ld16(rows[1][i] + off), 1);
    l1 = _mm256_inserti128_si256(_mm256_castsi128_si256(ld16(rows[2][i] + off)), ld16(rows[3][i] + off), 1);
  }
}

// Columns 4t + k (k = 0..3) of 64 bytes for 16 tiles, as u8: c02 holds k = 0 (low half) and 2,
// c13 k = 1 and 3.
inline void split4(__m256i l0, __m256i l1, __m256i& c02, __m256i& c13) {
  const __m256i sh = _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,  //
                                      0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  const __m256i idx = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  // Per 8 tiles: k = 0 of all 8, k = 1, k = 2, k = 3 (8 bytes each).
  const __m256i p0 = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(l0, sh), idx);
  const __m256i p1 = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(l1, sh), idx);
  c02 = _mm256_unpacklo_epi64(p0, p1);
  c13 = _mm256_unpackhi_epi64(p0, p1);
}

inline __m256i lo_s16(__m256i v, __m256i z) { return _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm256_castsi256_si128(v)), z); }
inline __m256i hi_s16(__m256i v, __m256i z) { return _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm256_extracti128_si256(v, 1)), z); }

// B^T on six vectors (s16; |out| <= 10 max|in| fits).
inline void bt6(const __m256i (&a)[6], __m256i* o, int stride) {
  const __m256i d02 = _mm256_sub_epi16(a[0], a[2]), d42 = _mm256_sub_epi16(a[4], a[2]);
  const __m256i s12 = _mm256_add_epi16(a[1], a[2]), d12 = _mm256_sub_epi16(a[1], a[2]);
  const __m256i s34 = _mm256_add_epi16(a[3], a[4]), d43 = _mm256_sub_epi16(a[4], a[3]);
  const __m256i d13 = _mm256_sub_epi16(a[1], a[3]), d53 = _mm256_sub_epi16(a[5], a[3]);
  const __m256i d13x2 = _mm256_add_epi16(d13, d13);
  o[0] = _mm256_add_epi16(_mm256_slli_epi16(d02, 2), d42);
  o[stride] = _mm256_sub_epi16(s34, _mm256_slli_epi16(s12, 2));
  o[2 * stride] = _mm256_add_epi16(d43, _mm256_slli_epi16(d12, 2));
  o[3 * stride] = _mm256_sub_epi16(d42, d13x2);
  o[4 * stride] = _mm256_add_epi16(d42, d13x2);
  o[5 * stride] = _mm256_add_epi16(_mm256_slli_epi16(d13, 2), d53);
}

// V for the 16 tiles from column 4t of the padded rows (load_tiles' layout for `tw`): v[6p + j].
inline void transform16(const uint8_t* const (*rows)[6], int64_t t, int64_t tw, __m256i z, __m256i (&v)[36]) {
  __m256i w[36];  // d B: w[6 i + j]
  for (int i = 0; i < 6; ++i) {
    __m256i l0, l1, c02, c13, e02, e13;
    load_tiles(rows, i, 4 * t, tw, l0, l1);
    split4(l0, l1, c02, c13);
    load_tiles(rows, i, 4 * t + 4, tw, l0, l1);  // columns 4t + 4 and 4t + 5: the next tile's 0 and 1
    split4(l0, l1, e02, e13);
    const __m256i d[6] = {lo_s16(c02, z), lo_s16(c13, z), hi_s16(c02, z), hi_s16(c13, z), lo_s16(e02, z), lo_s16(e13, z)};
    bt6(d, w + 6 * i, 1);
  }
  for (int j = 0; j < 6; ++j) {  // B^T down the rows
    const __m256i col[6] = {w[j], w[6 + j], w[12 + j], w[18 + j], w[24 + j], w[30 + j]};
    bt6(col, v + j, 6);
  }
}


// A'^T on six int32 vectors, wrapping.
inline void at6(const __m256i (&a)[6], __m256i* o, int stride) {
  const __m256i s12 = _mm256_add_epi32(a[1], a[2]), d12 = _mm256_sub_epi32(a[1], a[2]);
  const __m256i s34 = _mm256_add_epi32(a[3], a[4]), d34 = _mm256_sub_epi32(a[3], a[4]);
  const __m256i s12x4 = _mm256_slli_epi32(s12, 2), d12x4 = _mm256_slli_epi32(d12, 2);
  const __m256i a0x2 = _mm256_add_epi32(a[0], a[0]);
  o[0] = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(a0x2, _mm256_slli_epi32(a[0], 2)), s12x4), s34);
  o[stride] = _mm256_add_epi32(d12x4, _mm256_add_epi32(d34, d34));
  o[2 * stride] = _mm256_add_epi32(s12x4, _mm256_slli_epi32(s34, 2));
  const __m256i a5x8 = _mm256_slli_epi32(a[5], 3);
  o[3 * stride] = _mm256_add_epi32(_mm256_add_epi32(d12x4, _mm256_slli_epi32(d34, 3)),
                                   _mm256_add_epi32(a5x8, _mm256_add_epi32(a5x8, a5x8)));
}

}  // namespace

void qwinograd43_input_pair__avx2(const void* x, bool x_signed, int32_t zx, const QWinogradShape& s, int64_t ty0,
                                  int64_t ty1, int64_t c0, int16_t* v, int64_t plane) {
  auto tf = [](auto&&... a) { transform16(a...); };  // inlined, unlike a function pointer
  if (x_signed) input_pair_blocks<4>(static_cast<const int8_t*>(x), zx, s, ty0, ty1, c0, v, plane, tf);
  else input_pair_blocks<4>(static_cast<const uint8_t*>(x), zx, s, ty0, ty1, c0, v, plane, tf);
}

void qwinograd43_output_tile_row__avx2(const int32_t* m, int64_t mplane, int64_t tw, int32_t* rows) {
  const __m256i inv9 = _mm256_set1_epi32(static_cast<int32_t>(qwinograd43_detail::kInverseOf9));
  const int64_t rs = 4 * tw;
  int64_t t = 0;
  for (; t + 8 <= tw; t += 8) {
    __m256i r[24];  // A'^T down the rows: r[6 q + j]
    for (int j = 0; j < 6; ++j) {
      __m256i in[6];
      for (int p = 0; p < 6; ++p) in[p] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + (6 * p + j) * mplane + t));
      at6(in, r + j, 6);
    }
    for (int q = 0; q < 4; ++q) {
      const __m256i in[6] = {r[6 * q], r[6 * q + 1], r[6 * q + 2], r[6 * q + 3], r[6 * q + 4], r[6 * q + 5]};
      __m256i y[4];
      at6(in, y, 1);
      for (int c = 0; c < 4; ++c) y[c] = _mm256_srai_epi32(_mm256_mullo_epi32(y[c], inv9), 6);
      // y[c] holds column c of 8 tiles; the row wants tile by tile, 4 columns each.
      const __m256i a01 = _mm256_unpacklo_epi32(y[0], y[1]), b01 = _mm256_unpackhi_epi32(y[0], y[1]);
      const __m256i a23 = _mm256_unpacklo_epi32(y[2], y[3]), b23 = _mm256_unpackhi_epi32(y[2], y[3]);
      const __m256i t04 = _mm256_unpacklo_epi64(a01, a23), t15 = _mm256_unpackhi_epi64(a01, a23);
      const __m256i t26 = _mm256_unpacklo_epi64(b01, b23), t37 = _mm256_unpackhi_epi64(b01, b23);
      __m256i* dst = reinterpret_cast<__m256i*>(rows + q * rs + 4 * t);
      _mm256_storeu_si256(dst, _mm256_permute2x128_si256(t04, t15, 0x20));      // tiles 0, 1
      _mm256_storeu_si256(dst + 1, _mm256_permute2x128_si256(t26, t37, 0x20));  // 2, 3
      _mm256_storeu_si256(dst + 2, _mm256_permute2x128_si256(t04, t15, 0x31));  // 4, 5
      _mm256_storeu_si256(dst + 3, _mm256_permute2x128_si256(t26, t37, 0x31));  // 6, 7
    }
  }
  // The last tiles by the portable loop (this file's own copy: internal linkage).
  if (t < tw) qwinograd43_detail::output_tile_row_strided(m + t, mplane, tw - t, rows + 4 * t, rs);
}

}  // namespace edgewm
