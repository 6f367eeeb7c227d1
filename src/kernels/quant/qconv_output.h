#pragma once
// The output stage the integer convolution kernels share (im2col, Winograd, depthwise): a row of
// int32 sums of one output channel into y. Two forms:
// - the requantising one (QLinearConv): round((sum + bias) * x_scale * w_scale / y_scale) + y_zp,
//   saturated, by the ISA's requantize_row;
// - the float epilogue of edgewm.QLinearConv (what fuse-qdq makes of a Conv whose Q comes after a
//   residual Add and/or an activation other than a clamp: PT2E's and NNCF's placement):
//   f = float(sum + bias) * (x_scale * w_scale), then + DQ(residual) (input 9, y's shape), then
//   the activation (ConvActivation: hardswish, sigmoid...), then QuantizeLinear to y, by the
//   ISA's Q/DQ rows: the reference kernel's float arithmetic in its order (kernels/ref/quant_linear.cc).
#include <cstdint>
#include <vector>

#include "ir/graph.h"
#include "kernels/gemm/qgemm_micro.h"
#include "kernels/ref/nn.h"

namespace edgewm {

struct QConvOutput {
  std::vector<int32_t> bias;  // per output channel, set by each kernel's prepare (zero-point folds differ)
  std::vector<float> mult;    // x_scale * w_scale[m] / y_scale
  RequantizeRow q;            // y's zero point, range, signedness
  bool float_epilogue = false;
  std::vector<float> scale;  // x_scale * w_scale[m]
  ConvActivation act;
  float y_scale = 1, y_zero = 0;
  bool residual = false;
  float r_scale = 1, r_zero = 0;
  QElement r_kind = QElement::kU8;

  // Everything but `bias` (sized to `channels`, zeros), from a QLinearConv or edgewm.QLinearConv
  // node whose scales and zero points are constants.
  static QConvOutput of(const Node& n, const Graph& g, DType y, int64_t channels);
  // Row `n` sums of channel ch into y[at..at+n) (residual r read at the same offsets).
  void store(const QGemmKernels& k, const int32_t* sums, int64_t n, int64_t ch, int64_t at, void* y, const void* r) const;
};

}  // namespace edgewm
