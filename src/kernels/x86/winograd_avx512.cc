// Winograd F(2x2, 3x3) transforms in AVX-512 intrinsics, 16 tiles per vector (this file's flags
// come from CMakeLists.txt). The tiles of a row read input columns 2i..2i+3: two loads cover
// the 32 columns, a permute splits them into even and odd columns, and everything after is
// whole-vector arithmetic. Padding comes from masked loads (masked-off lanes never touch
// memory), the last partial group of tiles from masked stores. The portable loops in
// winograd_transforms.h (which AVX2 uses) spent more in loop overhead than in arithmetic on the
// 8 to 16 tiles of a UNet's rows.
#include <immintrin.h>

#include "kernels/conv/winograd_transforms.h"

namespace edgewm {

namespace {

__mmask16 first_lanes(int64_t n) { return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1); }

// Lanes whose column c0 + lane lies in [0, w).
__mmask16 columns_inside(int64_t c0, int64_t w) {
  const __m512i col = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(c0)),
                                       _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  return _mm512_cmp_epi32_mask(col, _mm512_setzero_si512(), _MM_CMPINT_NLT) &
         _mm512_cmp_epi32_mask(col, _mm512_set1_epi32(static_cast<int>(w)), _MM_CMPINT_LT);
}

__m512 load_columns(const float* row, int64_t c0, int64_t w) {
  const __mmask16 m = columns_inside(c0, w);
  return m ? _mm512_maskz_loadu_ps(m, row + c0) : _mm512_setzero_ps();
}

void input_rows(const float* xc, const WinogradShape& s, int64_t ty0, int64_t ty1, float* v, int64_t plane,
                int64_t ld) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  const int64_t used = (ty1 - ty0) * s.tw;
  for (int xi = 0; xi < 16; ++xi)
    for (int64_t j = used; j < ld; ++j) v[xi * plane + j] = 0.f;
  for (int64_t ty = ty0; ty < ty1; ++ty) {
    for (int64_t tx0 = 0; tx0 < s.tw; tx0 += 16) {
      const __mmask16 store = first_lanes(s.tw - tx0);
      const int64_t c0 = 2 * tx0 - s.pad_l;
      // t[r][k]: row r of the tile after the column transform B^T d (k = output column).
      __m512 t[4][4];
      for (int r = 0; r < 4; ++r) {
        const int64_t y = 2 * ty - s.pad_t + r;
        if (y < 0 || y >= s.h) {
          for (int k = 0; k < 4; ++k) t[r][k] = _mm512_setzero_ps();
          continue;
        }
        const float* row = xc + y * s.w;
        const __m512 lo = load_columns(row, c0, s.w), hi = load_columns(row, c0 + 16, s.w);
        const __m512 lo2 = load_columns(row, c0 + 2, s.w), hi2 = load_columns(row, c0 + 18, s.w);
        const __m512 d0 = _mm512_permutex2var_ps(lo, even, hi), d1 = _mm512_permutex2var_ps(lo, odd, hi);
        const __m512 d2 = _mm512_permutex2var_ps(lo2, even, hi2), d3 = _mm512_permutex2var_ps(lo2, odd, hi2);
        t[r][0] = _mm512_sub_ps(d0, d2);
        t[r][1] = _mm512_add_ps(d1, d2);
        t[r][2] = _mm512_sub_ps(d2, d1);
        t[r][3] = _mm512_sub_ps(d1, d3);
      }
      float* out = v + (ty - ty0) * s.tw + tx0;
      for (int k = 0; k < 4; ++k) {
        _mm512_mask_storeu_ps(out + k * plane, store, _mm512_sub_ps(t[0][k], t[2][k]));
        _mm512_mask_storeu_ps(out + (4 + k) * plane, store, _mm512_add_ps(t[1][k], t[2][k]));
        _mm512_mask_storeu_ps(out + (8 + k) * plane, store, _mm512_sub_ps(t[2][k], t[1][k]));
        _mm512_mask_storeu_ps(out + (12 + k) * plane, store, _mm512_sub_ps(t[1][k], t[3][k]));
      }
    }
  }
}

void output_rows(const float* m, float bias, const WinogradShape& s, int64_t ty0, int64_t ty1, float* y,
                 const float* z, int64_t plane) {
  // Interleaving the even and odd output columns of 16 tiles: lanes 0..15 and 16..31.
  const __m512i first = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i second = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const __m512 b = _mm512_set1_ps(bias);
  for (int64_t ty = ty0; ty < ty1; ++ty) {
    for (int64_t tx0 = 0; tx0 < s.tw; tx0 += 16) {
      const __mmask16 in = first_lanes(s.tw - tx0);
      const float* p = m + (ty - ty0) * s.tw + tx0;
      __m512 sr[2][4];  // A^T M: the two output rows, still in the Winograd domain along x
      for (int k = 0; k < 4; ++k) {
        const __m512 m0 = _mm512_maskz_loadu_ps(in, p + k * plane), m1 = _mm512_maskz_loadu_ps(in, p + (4 + k) * plane);
        const __m512 m2 = _mm512_maskz_loadu_ps(in, p + (8 + k) * plane), m3 = _mm512_maskz_loadu_ps(in, p + (12 + k) * plane);
        sr[0][k] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
        sr[1][k] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
      }
      const int64_t cols = s.ow - 2 * tx0 < 2 * (s.tw - tx0) ? s.ow - 2 * tx0 : 2 * (s.tw - tx0);
      const __mmask16 lo_mask = first_lanes(cols), hi_mask = first_lanes(cols - 16);
      for (int r = 0; r < 2; ++r) {
        const int64_t oy = 2 * ty + r;
        if (oy >= s.oh) break;
        const __m512 e = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(sr[r][0], sr[r][1]), sr[r][2]), b);
        const __m512 o = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(sr[r][1], sr[r][2]), sr[r][3]), b);
        __m512 lo = _mm512_permutex2var_ps(e, first, o), hi = _mm512_permutex2var_ps(e, second, o);
        float* row = y + oy * s.ow + 2 * tx0;
        if (z) {
          const float* zr = z + oy * s.ow + 2 * tx0;
          lo = _mm512_add_ps(lo, _mm512_maskz_loadu_ps(lo_mask, zr));
          hi = _mm512_add_ps(hi, _mm512_maskz_loadu_ps(hi_mask, zr + 16));
        }
        _mm512_mask_storeu_ps(row, lo_mask, lo);
        if (hi_mask) _mm512_mask_storeu_ps(row + 16, hi_mask, hi);
      }
    }
  }
}

}  // namespace

void winograd_f23_input_rows__avx512(const float* xc, const WinogradShape& s, int64_t ty0, int64_t ty1, float* v,
                                     int64_t plane, int64_t ld) {
  input_rows(xc, s, ty0, ty1, v, plane, ld);
}
void winograd_f23_output_rows__avx512(const float* m, float bias, const WinogradShape& s, int64_t ty0, int64_t ty1,
                                      float* y, const float* z, int64_t plane) {
  output_rows(m, bias, s, ty0, ty1, y, z, plane);
}

}  // namespace edgewm
