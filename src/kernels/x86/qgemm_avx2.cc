// The AVX2 integer micro-kernels (qgemm_micro.h), 16 columns:
// qgemm_u8s8_4x16c4 and qgemm_s8u8_4x16c4 multiply bytes with vpmaddubsw (pair sums in 16 bits,
// exact for the pair-safe weights the packers guarantee) and widen with vpmaddwd by ones;
// qgemm_s16_6x16c2 multiplies 16-bit values with vpmaddwd, exact for anything. Compiled with
// -mavx2 -mfma only, reached through the AVX2 table after isa_enabled().
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "kernels/gemm/gemm_micro.h"
#include "kernels/gemm/qgemm_micro.h"
#include "kernels/quant/quantize_rows_portable.h"

namespace edgewm {

namespace {

constexpr int kMR = 4, kNR = 16;
constexpr int kMR16 = 6;  // the s16 kernel: 12 accumulators (no temporaries, unlike vpmaddubsw's)

inline __m256i broadcast32(const void* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

template <int MR>
inline void store_tile(const __m256i (&acc)[MR][2], int mr, int32_t* c, int64_t ldc, int nr, bool accumulate) {
  if (nr == kNR) {
    for (int r = 0; r < mr; ++r)
      for (int h = 0; h < 2; ++h) {
        __m256i* dst = reinterpret_cast<__m256i*>(c + r * ldc + 8 * h);
        const __m256i v = accumulate ? _mm256_add_epi32(acc[r][h], _mm256_loadu_si256(dst)) : acc[r][h];
        _mm256_storeu_si256(dst, v);
      }
    return;
  }
  alignas(32) int32_t t[kNR];
  for (int r = 0; r < mr; ++r) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(t), acc[r][0]);
    _mm256_store_si256(reinterpret_cast<__m256i*>(t + 8), acc[r][1]);
    int32_t* d = c + r * ldc;
    for (int j = 0; j < nr; ++j)
      d[j] = accumulate ? static_cast<int32_t>(static_cast<uint32_t>(d[j]) + static_cast<uint32_t>(t[j])) : t[j];
  }
}

// kAUnsigned: A is the u8 side (u8s8), else P is (s8u8). vpmaddubsw takes the unsigned operand first.
template <bool kAUnsigned>
void qgemm_c4(int64_t kc, const void* a, int64_t a_rs, int mr, const void* p, int32_t* c, int64_t ldc, int nr,
              bool accumulate) {
  EDGEWM_KERNEL_CONTRACT("qgemm_c4_4x16__avx2", mr >= 1 && mr <= kMR && nr >= 1 && nr <= kNR && kc % 4 == 0);
  const uint8_t* ar[kMR];
  for (int r = 0; r < kMR; ++r) ar[r] = static_cast<const uint8_t*>(a) + (r < mr ? r : mr - 1) * a_rs;
  const __m256i ones = _mm256_set1_epi16(1);
  // Named accumulators, each product added into its own in place (as qgemm_s16 below): with an
  // acc[4][2] array GCC copied all 8 accumulators once per step and spilled one to the stack.
  __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const uint8_t *a0 = ar[0], *a1 = ar[1], *a2 = ar[2], *a3 = ar[3];
  const __m256i* pp = static_cast<const __m256i*>(p);
  auto dot = [&](__m256i av, __m256i pv) {
    return _mm256_madd_epi16(kAUnsigned ? _mm256_maddubs_epi16(av, pv) : _mm256_maddubs_epi16(pv, av), ones);
  };
  for (int64_t k = 0; k < kc; k += 4, pp += 2) {
    const __m256i p0 = _mm256_loadu_si256(pp), p1 = _mm256_loadu_si256(pp + 1);
    __m256i b = broadcast32(a0 + k);
    c00 = _mm256_add_epi32(c00, dot(b, p0));
    c01 = _mm256_add_epi32(c01, dot(b, p1));
    b = broadcast32(a1 + k);
    c10 = _mm256_add_epi32(c10, dot(b, p0));
    c11 = _mm256_add_epi32(c11, dot(b, p1));
    b = broadcast32(a2 + k);
    c20 = _mm256_add_epi32(c20, dot(b, p0));
    c21 = _mm256_add_epi32(c21, dot(b, p1));
    b = broadcast32(a3 + k);
    c30 = _mm256_add_epi32(c30, dot(b, p0));
    c31 = _mm256_add_epi32(c31, dot(b, p1));
  }
  const __m256i acc[kMR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}};
  store_tile(acc, mr, c, ldc, nr, accumulate);
}

void qgemm_s16(int64_t kc, const void* a, int64_t a_rs, int mr, const void* p, int32_t* c, int64_t ldc, int nr,
               bool accumulate) {
  EDGEWM_KERNEL_CONTRACT("qgemm_s16_6x16c2__avx2", mr >= 1 && mr <= kMR16 && nr >= 1 && nr <= kNR && kc % 2 == 0);
  const int16_t* ar[kMR16];
  for (int r = 0; r < kMR16; ++r)
    ar[r] = reinterpret_cast<const int16_t*>(static_cast<const char*>(a) + (r < mr ? r : mr - 1) * a_rs);
  // Named accumulators and the product added into them in place (vpmaddwd then vpaddd onto
  // the same register): with arrays GCC copied every accumulator once per step, a register
  // move per vpmaddwd that made the loop front-end bound. 12 accumulators, 2 panel vectors and
  // one broadcast: 15 of the 16 registers, each panel load feeding 6 rows.
  __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00,
          c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  const char* pp = static_cast<const char*>(p);
  const int16_t *a0 = ar[0], *a1 = ar[1], *a2 = ar[2], *a3 = ar[3], *a4 = ar[4], *a5 = ar[5];
  for (int64_t k = 0; k < kc; k += 2, pp += 64) {
    const __m256i p0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pp));
    const __m256i p1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pp + 32));
    __m256i b = broadcast32(a0 + k);
    c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(b, p0));
    c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(b, p1));
    b = broadcast32(a1 + k);
    c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(b, p0));
    c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(b, p1));
    b = broadcast32(a2 + k);
    c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(b, p0));
    c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(b, p1));
    b = broadcast32(a3 + k);
    c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(b, p0));
    c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(b, p1));
    b = broadcast32(a4 + k);
    c40 = _mm256_add_epi32(c40, _mm256_madd_epi16(b, p0));
    c41 = _mm256_add_epi32(c41, _mm256_madd_epi16(b, p1));
    b = broadcast32(a5 + k);
    c50 = _mm256_add_epi32(c50, _mm256_madd_epi16(b, p0));
    c51 = _mm256_add_epi32(c51, _mm256_madd_epi16(b, p1));
  }
  const __m256i acc[kMR16][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  store_tile(acc, mr, c, ldc, nr, accumulate);
}

void requantize_row(const int32_t* c, int64_t n, const RequantizeRow& q, void* out) {
  const __m256 lo = _mm256_set1_ps(static_cast<float>(q.lo - q.zero_point));
  const __m256 hi = _mm256_set1_ps(static_cast<float>(q.hi - q.zero_point));
  const __m256i bias = _mm256_set1_epi32(q.bias), zp = _mm256_set1_epi32(q.zero_point);
  const __m256 scale = _mm256_set1_ps(q.scale);
  uint8_t* o = static_cast<uint8_t*>(out);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    __m256i v = _mm256_add_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(c + j)), bias);
    if (q.bias_col) v = _mm256_add_epi32(v, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q.bias_col + j)));
    __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(v), q.scale_col ? _mm256_loadu_ps(q.scale_col + j) : scale);
    f = _mm256_and_ps(f, _mm256_cmp_ps(f, f, _CMP_ORD_Q));  // NaN -> 0 -> the zero point
    f = _mm256_min_ps(_mm256_max_ps(f, lo), hi);            // integer bounds: clamping commutes with rounding
    const __m256i r = _mm256_add_epi32(_mm256_cvtps_epi32(f), zp);  // MXCSR's default: half to even
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(o + j), q.is_signed ? _mm_packs_epi16(w, w) : _mm_packus_epi16(w, w));
  }
  for (; j < n; ++j) {
    const int32_t r = requantize_one(c, j, q);
    o[j] = q.is_signed ? static_cast<uint8_t>(static_cast<int8_t>(r)) : static_cast<uint8_t>(r);
  }
}

// QuantizeLinear's row: the compiler's vectorisation of the portable loop turned its NaN and
// range tests into mask spills (1.3 cycles an element); written out it is the division and
// 8 more instructions per 8 elements. Bit for bit the portable loop: x / scale divided, NaN to
// 0, clamped to the output's range less the zero point (integer bounds: clamping commutes with
// rounding), rounded half to even (MXCSR's default), the zero point added.
void quantize_row(const float* x, int64_t n, float scale, float zp, bool is_signed, void* y) {
  const float lo = is_signed ? -128.f : 0.f, hi = is_signed ? 127.f : 255.f;
  const __m256 s = _mm256_set1_ps(scale), vlo = _mm256_set1_ps(lo - zp), vhi = _mm256_set1_ps(hi - zp);
  const __m256i z = _mm256_set1_epi32(static_cast<int32_t>(zp));
  uint8_t* o = static_cast<uint8_t*>(y);
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    __m256 q0 = _mm256_div_ps(_mm256_loadu_ps(x + j), s), q1 = _mm256_div_ps(_mm256_loadu_ps(x + j + 8), s);
    q0 = _mm256_and_ps(q0, _mm256_cmp_ps(q0, q0, _CMP_ORD_Q));
    q1 = _mm256_and_ps(q1, _mm256_cmp_ps(q1, q1, _CMP_ORD_Q));
    q0 = _mm256_min_ps(_mm256_max_ps(q0, vlo), vhi);
    q1 = _mm256_min_ps(_mm256_max_ps(q1, vlo), vhi);
    const __m256i r0 = _mm256_add_epi32(_mm256_cvtps_epi32(q0), z), r1 = _mm256_add_epi32(_mm256_cvtps_epi32(q1), z);
    const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(r0, r1), 0xD8);  // 16 s16 in order
    const __m128i w0 = _mm256_castsi256_si128(w), w1 = _mm256_extracti128_si256(w, 1);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o + j), is_signed ? _mm_packs_epi16(w0, w1) : _mm_packus_epi16(w0, w1));
  }
  if (j < n) quantize_detail::quantize_row(x + j, n - j, scale, zp, is_signed, o + j);
}

}  // namespace

const QGemmKernels kQGemmAvx2{
    {"qgemm_u8s8_4x16c4__avx2", QOperands::kU8S8, kMR, kNR, 4, qgemm_c4<true>},
    {"qgemm_s8u8_4x16c4__avx2", QOperands::kS8U8, kMR, kNR, 4, qgemm_c4<false>},
    {"qgemm_s16_6x16c2__avx2", QOperands::kS16, kMR16, kNR, 2, qgemm_s16},
    requantize_row,
    {qwinograd_input_pair__avx2, qwinograd_output_tile_row__avx2},
    {qwinograd43_input_pair__avx2, qwinograd43_output_tile_row__avx2},
    {quantize_row, quantize_detail::dequantize_row},
};


}  // namespace edgewm
