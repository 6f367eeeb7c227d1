#pragma once
// QuantizeLinear's and DequantizeLinear's inner loops (f32 <-> u8/s8/s32, one scale and zero
// point), written for the compiler to vectorise in each ISA's file (x86/qgemm_avx2.cc,
// gemm/qgemm_portable.cc): rounding half to even by the 1.5 * 2^23 trick instead of a libm call.
// Bit for bit what the reference kernels compute. Internal linkage and no std:: templates, as
// conv/winograd_transforms_portable.h says why.
#include <cstdint>

#include "kernels/gemm/qgemm_micro.h"

namespace edgewm::quantize_detail {
namespace {

template <class Q> void quantize(const float* x, Q* y, int64_t n, float scale, float zp, float lo, float hi) {
  const float kRound = 12582912.f;  // 1.5 * 2^23: adding and subtracting it rounds half to even
  for (int64_t i = 0; i < n; ++i) {
    float q = x[i] / scale;                                          // divided, as the spec says
    q = q == q ? (q < -4194304.f ? -4194304.f : (q > 4194304.f ? 4194304.f : q)) : 0.f;  // NaN -> 0; |q| <= 2^22
    float v = (q + kRound) - kRound + zp;
    v = v < lo ? lo : (v > hi ? hi : v);
    y[i] = static_cast<Q>(static_cast<int32_t>(v));
  }
}

template <class Q> void dequantize(const Q* x, float* y, int64_t n, float scale, float zp) {
  for (int64_t i = 0; i < n; ++i) y[i] = (static_cast<float>(x[i]) - zp) * scale;
}

void quantize_row(const float* x, int64_t n, float scale, float zp, bool is_signed, void* y) {
  if (is_signed) quantize(x, static_cast<int8_t*>(y), n, scale, zp, -128.f, 127.f);
  else quantize(x, static_cast<uint8_t*>(y), n, scale, zp, 0.f, 255.f);
}

void dequantize_row(const void* x, QElement kind, int64_t n, float scale, float zp, float* y) {
  switch (kind) {
    case QElement::kU8: dequantize(static_cast<const uint8_t*>(x), y, n, scale, zp); break;
    case QElement::kS8: dequantize(static_cast<const int8_t*>(x), y, n, scale, zp); break;
    case QElement::kS32: dequantize(static_cast<const int32_t*>(x), y, n, scale, zp); break;
  }
}

}  // namespace
}  // namespace edgewm::quantize_detail
