#include "kernels/quant/qconv_output.h"

#include <algorithm>

#include "kernels/quant/qparams.h"

namespace edgewm {

using namespace qparams;

namespace {
enum : size_t { kXs = 1, kWs = 4, kYs = 6, kYz = 7, kR = 9, kRs = 10, kRz = 11 };
constexpr int64_t kChunk = 256;
}  // namespace

QConvOutput QConvOutput::of(const Node& n, const Graph& g, DType y, int64_t channels) {
  QConvOutput o;
  o.bias.assign(static_cast<size_t>(channels), 0);
  o.mult.resize(static_cast<size_t>(channels));
  o.scale.resize(static_cast<size_t>(channels));
  const float xs = static_cast<float>(at(n, g, kXs, 0, 1)), ys = static_cast<float>(at(n, g, kYs, 0, 1));
  for (int64_t m = 0; m < channels; ++m) {
    const float ws = static_cast<float>(at(n, g, kWs, m, 1));
    o.mult[static_cast<size_t>(m)] = xs * ws / ys;
    o.scale[static_cast<size_t>(m)] = xs * ws;
  }
  o.q = output_of(n, g, y, kYz);
  o.y_scale = ys;
  o.y_zero = static_cast<float>(o.q.zero_point);
  if (n.domain == "edgewm") {
    o.float_epilogue = true;
    o.act = ConvActivation::of(n.attrs);
    o.residual = present(n, kR);
    if (o.residual) {
      o.r_scale = static_cast<float>(at(n, g, kRs, 0, 1));
      o.r_zero = static_cast<float>(at(n, g, kRz, 0));
      o.r_kind = g.value(n.inputs[kR]).dtype == DType::kI8 ? QElement::kS8 : QElement::kU8;
    }
  }
  return o;
}

void QConvOutput::store(const QGemmKernels& k, const int32_t* sums, int64_t n, int64_t ch, int64_t at, void* y,
                        const void* r) const {
  uint8_t* yb = static_cast<uint8_t*>(y) + at;
  if (!float_epilogue) {
    RequantizeRow row = q;
    row.bias = bias[static_cast<size_t>(ch)];
    row.scale = mult[static_cast<size_t>(ch)];
    k.requantize_row(sums, n, row, yb);
    return;
  }
  alignas(64) int32_t s[kChunk];
  alignas(64) float f[kChunk], fr[kChunk];
  const uint32_t b = static_cast<uint32_t>(bias[static_cast<size_t>(ch)]);
  for (int64_t i = 0; i < n; i += kChunk) {
    const int64_t len = std::min(kChunk, n - i);
    for (int64_t j = 0; j < len; ++j) s[j] = static_cast<int32_t>(static_cast<uint32_t>(sums[i + j]) + b);  // as int32 wraps
    k.rows.dequantize(s, QElement::kS32, len, scale[static_cast<size_t>(ch)], 0.f, f);
    if (residual) {
      k.rows.dequantize(static_cast<const uint8_t*>(r) + at + i, r_kind, len, r_scale, r_zero, fr);
      for (int64_t j = 0; j < len; ++j) f[j] += fr[j];
    }
    act.apply(f, len);
    k.rows.quantize(f, len, y_scale, y_zero, q.is_signed, yb + i);
  }
}

}  // namespace edgewm
