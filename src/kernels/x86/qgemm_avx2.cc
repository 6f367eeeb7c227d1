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
#include "kernels/quant/qdepthwise_row_portable.h"
#include "kernels/quant/quantize_rows_portable.h"
#include "kernels/x86/qgemm_tile_x86.h"

namespace edgewm {

namespace {

// vpmaddubsw adds its two u8 x s8 products in saturating 16 bits (exact for the pair-safe
// weights the packers guarantee); vpmaddwd by ones widens the pairs to int32.
struct Avx2Ops : YmmRegs {
  static Reg dot_c4(Reg acc, Reg u, Reg s) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
  }
  static Reg dot_c2(Reg acc, Reg a, Reg b) { return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b)); }
};
using Tiles = QTileSet<Avx2Ops, kQTileRowsAvx2C4, kQTileRowsAvx2S16>;

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
    {"qgemm_u8s8_4x16c4__avx2", QOperands::kU8S8, kQTileRowsAvx2C4, 16, 4, Tiles::u8s8},
    {"qgemm_s8u8_4x16c4__avx2", QOperands::kS8U8, kQTileRowsAvx2C4, 16, 4, Tiles::s8u8},
    {"qgemm_s16_6x16c2__avx2", QOperands::kS16, kQTileRowsAvx2S16, 16, 2, Tiles::s16},
    requantize_row,
    {qwinograd_input_pair__avx2, qwinograd_output_tile_row__avx2},
    {qwinograd43_input_pair__avx2, qwinograd43_output_tile_row__avx2},
    {quantize_row, quantize_detail::dequantize_row},
    qdepthwise_detail::depthwise_row,
};


}  // namespace edgewm
