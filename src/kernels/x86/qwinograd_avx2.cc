// The integer Winograd F(2x2, 3x3) input transform of QLinearConv on AVX2 (qgemm_micro.h's
// QWinogradTransforms::input_pair): 16 tiles of a tile row at a time, one s16 lane per tile.
// Each input row, padded with the zero point, is split into even and odd columns by a byte
// shuffle (two loads, the second 2 bytes on, give the next tile's columns), widened less the
// zero point; B along the row and B^T down the rows are then 20 vector adds; the pair of
// channels is interleaved into the micro-kernel's panel by unpacks, one 64-byte store per plane
// when the 16 tiles fill a panel. 4-5x the portable loops' speed.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/gemm/qgemm_micro.h"
#include "kernels/quant/qwinograd_transforms_portable.h"
#include "kernels/x86/qwinograd_rows_avx2.h"

namespace edgewm {

namespace {

using namespace qwinograd_avx2_detail;

// Even bytes of a 32-byte block to the low 128 bits, odd to the high (as u8).
inline void split_even_odd(__m256i b, __m128i& even, __m128i& odd) {
  const __m256i sh = _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15,  //
                                      0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
  const __m256i s = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(b, sh), 0xD8);  // lanes: e0 e1 | o0 o1
  even = _mm256_castsi256_si128(s);
  odd = _mm256_extracti128_si256(s, 1);
}

// 32 bytes of padded input row i for 16 tiles from byte `off` of a tile row's padded rows on:
// one tile row's when it has 16 or more tiles, else 16 / tw consecutive tile rows' 2 * tw
// bytes each side by side (tw 8 or 4), so narrow images fill the vector too (at tw 8 the
// tile rows went through the scalar path, 5x slower). rows[q][i]: tile row q's row i.
inline __m256i load_tiles(const uint8_t* const (*rows)[4], int i, int64_t off, int64_t tw) {
  if (tw >= 16) return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rows[0][i] + off));
  if (tw == 8)
    return _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[0][i] + off))),
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[1][i] + off)), 1);
  auto q = [&](int k) { return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(rows[k][i] + off)); };
  return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_unpacklo_epi64(q(0), q(1))), _mm_unpacklo_epi64(q(2), q(3)), 1);
}

// V[xi] for the 16 tiles starting at column 2 * t of the padded rows (load_tiles; u8, zero point z).
inline void transform16(const uint8_t* const (*rows)[4], int64_t t, int64_t tw, __m256i z, __m256i (&v)[16]) {
  __m256i h[4][4];
  for (int i = 0; i < 4; ++i) {
    __m128i e, o, e1, o1;
    split_even_odd(load_tiles(rows, i, 2 * t, tw), e, o);
    split_even_odd(load_tiles(rows, i, 2 * t + 2, tw), e1, o1);
    const __m256i E = _mm256_sub_epi16(_mm256_cvtepu8_epi16(e), z), O = _mm256_sub_epi16(_mm256_cvtepu8_epi16(o), z);
    const __m256i E1 = _mm256_sub_epi16(_mm256_cvtepu8_epi16(e1), z), O1 = _mm256_sub_epi16(_mm256_cvtepu8_epi16(o1), z);
    // d B along the row: columns 2t .. 2t + 3 are E O E1 O1.
    h[i][0] = _mm256_sub_epi16(E, E1);
    h[i][1] = _mm256_add_epi16(O, E1);
    h[i][2] = _mm256_sub_epi16(E1, O);
    h[i][3] = _mm256_sub_epi16(O, O1);
  }
  for (int j = 0; j < 4; ++j) {  // B^T down the rows
    v[j] = _mm256_sub_epi16(h[0][j], h[2][j]);
    v[4 + j] = _mm256_add_epi16(h[1][j], h[2][j]);
    v[8 + j] = _mm256_sub_epi16(h[2][j], h[1][j]);
    v[12 + j] = _mm256_sub_epi16(h[1][j], h[3][j]);
  }
}


}  // namespace

void qwinograd_input_pair__avx2(const void* x, bool x_signed, int32_t zx, const QWinogradShape& s, int64_t ty0,
                                int64_t ty1, int64_t c0, int16_t* v, int64_t plane) {
  auto tf = [](auto&&... a) { transform16(a...); };  // inlined, unlike a function pointer
  if (x_signed) input_pair_blocks<2>(static_cast<const int8_t*>(x), zx, s, ty0, ty1, c0, v, plane, tf);
  else input_pair_blocks<2>(static_cast<const uint8_t*>(x), zx, s, ty0, ty1, c0, v, plane, tf);
}

}  // namespace edgewm

namespace edgewm {

// The output transform of one channel's tile row, 8 tiles at a time: the 16 planes' int32 values
// of 8 tiles, A^T M A (A^T = [1 1 1 0; 0 1 -1 -1]) in wrapping int32 adds, divided by 4 (an
// arithmetic shift: the sums are exact multiples of 4), even and odd columns interleaved by
// unpacks into the two output rows.
void qwinograd_output_tile_row__avx2(const int32_t* m, int64_t mplane, int64_t tw, int32_t* rows) {
  int32_t* row0 = rows;
  int32_t* row1 = rows + 2 * tw;
  int64_t t = 0;
  for (; t + 8 <= tw; t += 8) {
    __m256i a[4], b[4];
    for (int j = 0; j < 4; ++j) {
      const __m256i m0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + j * mplane + t));
      const __m256i m1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + (4 + j) * mplane + t));
      const __m256i m2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + (8 + j) * mplane + t));
      const __m256i m3 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + (12 + j) * mplane + t));
      a[j] = _mm256_add_epi32(_mm256_add_epi32(m0, m1), m2);
      b[j] = _mm256_sub_epi32(_mm256_sub_epi32(m1, m2), m3);
    }
    const __m256i e0 = _mm256_srai_epi32(_mm256_add_epi32(_mm256_add_epi32(a[0], a[1]), a[2]), 2);
    const __m256i o0 = _mm256_srai_epi32(_mm256_sub_epi32(_mm256_sub_epi32(a[1], a[2]), a[3]), 2);
    const __m256i e1 = _mm256_srai_epi32(_mm256_add_epi32(_mm256_add_epi32(b[0], b[1]), b[2]), 2);
    const __m256i o1 = _mm256_srai_epi32(_mm256_sub_epi32(_mm256_sub_epi32(b[1], b[2]), b[3]), 2);
    auto store = [](int32_t* dst, __m256i e, __m256i o) {  // e0 o0 e1 o1 ... e7 o7
      const __m256i lo = _mm256_unpacklo_epi32(e, o), hi = _mm256_unpackhi_epi32(e, o);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm256_permute2x128_si256(lo, hi, 0x20));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 8), _mm256_permute2x128_si256(lo, hi, 0x31));
    };
    store(row0 + 2 * t, e0, o0);
    store(row1 + 2 * t, e1, o1);
  }
  // The last tiles by the portable loop (this file's own copy: internal linkage).
  if (t < tw) qwinograd_detail::output_tile_row_split(m + t, mplane, tw - t, row0 + 2 * t, row1 + 2 * t);
}

}  // namespace edgewm

