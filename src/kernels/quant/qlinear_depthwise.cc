// Depthwise QLinearConv (group = input channels = output channels, 2-D): per channel, the plane
// less x's zero point copied once into a padded int16 plane (the padding holds the zero point,
// so it contributes 0), then per output row the taps' int32 sums (QGemmKernels::depthwise_row)
// and the row requantised. The GEMM path ran such layers as one-row GEMMs per group, at 2-3
// GOP/s. Bit-exact with the reference.
#include <algorithm>
#include <atomic>
#include <memory>
#include <vector>

#include "edgewm/thread_pool.h"
#include "kernels/quant/qconv_output.h"
#include "kernels/quant/qlinear.h"
#include "kernels/quant/qparams.h"
#include "kernels/ref/nn.h"
#include "kernels/scratch.h"

namespace edgewm {

using namespace qparams;
using ref::nn::Window;

namespace {

// QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, bias)
enum : size_t { kX, kXs, kXz, kW, kWs, kWz, kYs, kYz, kBias };
constexpr int kSlots = 8;  // workers at most, each with its padded plane

struct DepthwisePlan {
  std::vector<int16_t> w;  // [C][kh * kw]: w - w_zp
  int32_t zx = 0;
  bool x_signed = false;
  QConvOutput out;
};

bool geometry(const Node& n, const Shape& x, const Shape& w, Window& win) {
  if (x.rank() != 4 || w.rank() != 4 || n.attrs.get_int("group", 1) != x[1] || w[0] != x[1] || w[1] != 1) return false;
  bool unsupported = false;
  ref::nn::compute_window(n.attrs, x, w.dims().subspan(2), false, true, win, &unsupported);
  return !unsupported && win.out[0] > 0 && win.out[1] > 0;
}
int64_t padded_rows(const Window& w) { return (w.out[0] - 1) * w.stride[0] + (w.kernel[0] - 1) * w.dilation[0] + 1; }
int64_t padded_cols(const Window& w) { return (w.out[1] - 1) * w.stride[1] + (w.kernel[1] - 1) * w.dilation[1] + 1; }

}  // namespace

bool qlinear_depthwise_supports(const Node& n, const Graph& g) {
  if (!qlinear_conv_supports(n, g)) return false;
  Window win;
  return geometry(n, g.value(n.inputs[kX]).shape, g.value(n.inputs[kW]).shape, win);
}

size_t qlinear_depthwise_scratch(const Node& n, const Graph& g) {
  Window win;
  if (!geometry(n, g.value(n.inputs[kX]).shape, g.value(n.inputs[kW]).shape, win)) return 0;
  return static_cast<size_t>(kSlots * (padded_rows(win) * padded_cols(win) * 2 + win.out[1] * 4 + 64)) + 64;
}

std::shared_ptr<const void> qlinear_depthwise_prepare(const KernelContext& ctx, const Graph& g) {
  const Node& n = *ctx.node;
  auto plan = std::make_shared<DepthwisePlan>();
  const Shape& ws = ctx.in(kW).shape;
  const int64_t C = ws[0], taps = ws[2] * ws[3];
  plan->w.resize(static_cast<size_t>(C * taps));
  for (int64_t i = 0; i < C * taps; ++i)
    plan->w[static_cast<size_t>(i)] = static_cast<int16_t>(ref::mv::load_as_double(ctx.in(kW), i) - at(n, g, kWz, i / taps));
  plan->x_signed = ctx.in(kX).dtype == DType::kI8;
  plan->zx = static_cast<int32_t>(at(n, g, kXz, 0));
  plan->out = QConvOutput::of(n, g, ctx.out(0).dtype, C);
  for (int64_t c = 0; c < C; ++c) plan->out.bias[static_cast<size_t>(c)] = static_cast<int32_t>(at(n, g, kBias, c));
  return plan;
}

void qlinear_depthwise_with(const KernelContext& ctx, const QGemmKernels& kernels) {
  if (!ctx.prepared) throw Error(ErrorKind::kInternal, "QLinearConv: the depthwise weights were not prepared");
  const DepthwisePlan& plan = *static_cast<const DepthwisePlan*>(ctx.prepared);
  Window win;
  if (!geometry(*ctx.node, ctx.in(kX).shape, ctx.in(kW).shape, win))
    throw Error(ErrorKind::kInternal, Graph::where(*ctx.node) + ": depthwise kernel chosen for a node it cannot run");
  const int64_t C = ctx.in(kX).shape[1], planes = ctx.in(kX).shape[0] * C;
  const int64_t IH = win.in[0], IW = win.in[1], OH = win.out[0], OW = win.out[1];
  const int64_t PR = padded_rows(win), PC = padded_cols(win), kh = win.kernel[0], kw = win.kernel[1];
  const int64_t slot_bytes = PR * PC * 2 + OW * 4 + 64;
  const uint8_t* X = static_cast<const uint8_t*>(ctx.in(kX).data);
  uint8_t* Y = static_cast<uint8_t*>(ctx.out(0).data);
  const void* R = ctx.has_in(9) ? ctx.in(9).data : nullptr;  // edgewm.QLinearConv's residual
  char* base = scratch_aligned<char>(ctx.scratch);
  const int slots = static_cast<int>(std::min<int64_t>({kSlots, planes, ctx.pool->size()}));
  std::atomic<int64_t> next{0};
  ctx.pool->parallel_for(slots, 1, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s) {
      int16_t* pad = reinterpret_cast<int16_t*>(base + s * slot_bytes);
      int32_t* acc = reinterpret_cast<int32_t*>(scratch_aligned<char>(pad + PR * PC));
      for (int64_t p; (p = next.fetch_add(1)) < planes;) {
        const int64_t c = p % C;
        const uint8_t* x = X + p * IH * IW;
        // Columns [lo, hi) of a row inside the input are x - zx; everything else 0.
        const int64_t lo = std::min(PC, win.pad_begin[1]), hi = std::clamp<int64_t>(IW + win.pad_begin[1], lo, PC);
        for (int64_t r = 0; r < PR; ++r) {
          int16_t* row = pad + r * PC;
          const int64_t iy = r - win.pad_begin[0];
          if (iy < 0 || iy >= IH) {
            std::fill(row, row + PC, int16_t(0));
            continue;
          }
          std::fill(row, row + lo, int16_t(0));
          const uint8_t* xr = x + iy * IW + (lo - win.pad_begin[1]);
          if (plan.x_signed)
            for (int64_t col = lo; col < hi; ++col) row[col] = static_cast<int16_t>(static_cast<int8_t>(xr[col - lo]) - plan.zx);
          else
            for (int64_t col = lo; col < hi; ++col) row[col] = static_cast<int16_t>(xr[col - lo] - plan.zx);
          std::fill(row + hi, row + PC, int16_t(0));
        }
        const int16_t* w = plan.w.data() + c * kh * kw;
        for (int64_t oy = 0; oy < OH; ++oy) {
          kernels.depthwise_row(pad + oy * win.stride[0] * PC, PC, w, static_cast<int>(kh), static_cast<int>(kw),
                                static_cast<int>(win.stride[1]), static_cast<int>(win.dilation[0]),
                                static_cast<int>(win.dilation[1]), OW, acc);
          plan.out.store(kernels, acc, OW, c, (p * OH + oy) * OW, Y, R);
        }
      }
    }
  });
}

}  // namespace edgewm
