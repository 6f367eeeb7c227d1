// The integer micro-kernels in plain C++ (qgemm_micro.h), with the vector ones' tile (4 x 16) so
// the drivers pack the same panels for both: what CPUs without a vector table run, and the
// tests' check of the drivers apart from any ISA.
#include <cmath>
#include <cstring>

#include "kernels/gemm/qgemm_micro.h"
#include "kernels/quant/qdepthwise_row_portable.h"
#include "kernels/quant/quantize_rows_portable.h"
#include "kernels/quant/qwinograd43_transforms_portable.h"
#include "kernels/quant/qwinograd_transforms_portable.h"

namespace edgewm {

bool qgemm_pair_safe(const int8_t* w, int64_t k) {
  for (int64_t i = 0; i < k; i += 2) {
    const int a = w[i], b = i + 1 < k ? w[i + 1] : 0;
    const int pos = (a > 0 ? a : 0) + (b > 0 ? b : 0), neg = (a < 0 ? -a : 0) + (b < 0 ? -b : 0);
    if (pos > 128 || neg > 128) return false;
  }
  return true;
}

namespace {

constexpr int kMR = 4, kNR = 16;

template <class TA, class TP, int KG>
void qgemm_portable_fn(int64_t kc, const void* a, int64_t a_rs, int mr, const void* p, int32_t* c, int64_t ldc, int nr,
                       bool accumulate) {
  // int64 sums wrapped at the end equal int32 wrapping sums (both modulo 2^32).
  int64_t acc[kMR][kNR] = {};
  const TP* pp = static_cast<const TP*>(p);
  for (int64_t k = 0; k < kc; k += KG, pp += kNR * KG)
    for (int r = 0; r < mr; ++r) {
      const TA* ar = reinterpret_cast<const TA*>(static_cast<const char*>(a) + r * a_rs) + k;
      for (int j = 0; j < kNR; ++j)
        for (int g = 0; g < KG; ++g) acc[r][j] += static_cast<int64_t>(ar[g]) * pp[j * KG + g];
    }
  for (int r = 0; r < mr; ++r)
    for (int j = 0; j < nr; ++j) {
      const uint32_t v = static_cast<uint32_t>(acc[r][j]) + (accumulate ? static_cast<uint32_t>(c[r * ldc + j]) : 0u);
      c[r * ldc + j] = static_cast<int32_t>(v);
    }
}

void requantize_row_portable(const int32_t* c, int64_t n, const RequantizeRow& q, void* out) {
  for (int64_t j = 0; j < n; ++j) {
    const int32_t r = requantize_one(c, j, q);
    if (q.is_signed) static_cast<int8_t*>(out)[j] = static_cast<int8_t>(r);
    else static_cast<uint8_t*>(out)[j] = static_cast<uint8_t>(r);
  }
}

}  // namespace

const QGemmKernels kQGemmPortable{
    {"qgemm_u8s8_4x16c4__portable", QOperands::kU8S8, kMR, kNR, 4, qgemm_portable_fn<uint8_t, int8_t, 4>},
    {"qgemm_s8u8_4x16c4__portable", QOperands::kS8U8, kMR, kNR, 4, qgemm_portable_fn<int8_t, uint8_t, 4>},
    {"qgemm_s16_4x16c2__portable", QOperands::kS16, kMR, kNR, 2, qgemm_portable_fn<int16_t, int16_t, 2>},
    requantize_row_portable,
    {qwinograd_detail::input_pair, qwinograd_detail::output_tile_row},
    {qwinograd43_detail::input_pair, qwinograd43_detail::output_tile_row},
    {quantize_detail::quantize_row, quantize_detail::dequantize_row},
    qdepthwise_detail::depthwise_row,
};


}  // namespace edgewm
