// QLinearConv as an integer GEMM per (image, group): A = the weights less their zero point,
// packed once (s8 rows, or s16 where the byte kernels could saturate); B = im2col of the image
// in x's own type, interleaved into the micro-kernel's panels (u8, x's zero point in the
// padding, folded into the per-channel bias; or s16 less the zero point); the int32 tile
// requantised per output channel into y.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "kernels/conv/im2col.h"
#include "kernels/gemm/qgemm_blocked.h"
#include "kernels/quant/qlinear.h"
#include "kernels/quant/qparams.h"
#include "kernels/ref/grid_map.h"
#include "kernels/ref/nn.h"

namespace edgewm {

using namespace qparams;
using ref::nn::GridMap;
using ref::nn::Window;

namespace {

// QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, bias)
enum : size_t { kX, kXs, kXz, kW, kWs, kWz, kYs, kYz, kBias };

struct ConvPlan {
  QOperands kind = QOperands::kS16;
  int64_t M = 0, K = 0, Kp = 0;
  std::vector<int8_t> w8;    // [M][Kp]: w - w_zp (byte kinds)
  std::vector<int16_t> w16;  // [M][Kp] (s16)
  std::vector<int32_t> bias; // per channel: bias, less x's zero point times the row sum (byte kinds)
  std::vector<float> mult;   // x_scale * w_scale[m] / y_scale, as the reference computes it
  int32_t zx = 0;            // x's zero point, in x's type
  bool x_signed = false;
  RequantizeRow out;         // zero point, range, signedness of y
};

bool window_of(const Attributes& a, const Shape& x, const Shape& w, Window& win) {
  bool unsupported = false;
  ref::nn::compute_window(a, x, w.dims().subspan(2), false, true, win, &unsupported);
  return !unsupported;
}

}  // namespace

bool qlinear_conv_supports(const Node& n, const Graph& g) {
  if (n.inputs.size() < 8) return false;
  const Value& x = g.value(n.inputs[kX]);
  const Value& w = g.value(n.inputs[kW]);
  if (!x.shape_known || !w.shape_known || !is_int8(x.dtype) || !is_int8(w.dtype) || !w.is_constant()) return false;
  if (x.shape.rank() < 3 || w.shape.rank() != x.shape.rank()) return false;
  for (size_t i : {kXs, kXz, kWs, kWz, kYs, kYz, kBias})
    if (!absent_or_constant(n, g, i)) return false;
  if (!scalar_or_absent(n, g, kXs) || !scalar_or_absent(n, g, kXz) || !scalar_or_absent(n, g, kYs) ||
      !scalar_or_absent(n, g, kYz))
    return false;
  // The weights less their zero point must stay within s8.
  const int64_t M = w.shape[0], per = w.shape.numel() / std::max<int64_t>(M, 1);
  for (int64_t i = 0, n_w = w.shape.numel(); i < n_w; ++i) {
    const double v = ref::mv::load_as_double(w.constant, i) - at(n, g, kWz, i / per);
    if (v < -128 || v > 127) return false;
  }
  Window win;
  return window_of(n.attrs, x.shape, w.shape, win);
}

namespace {
std::shared_ptr<const void> prepare(const KernelContext& ctx, const Graph& g, bool exact_bytes);
}  // namespace

std::shared_ptr<const void> qlinear_conv_prepare(const KernelContext& ctx, const Graph& g) { return prepare(ctx, g, false); }
std::shared_ptr<const void> qlinear_conv_prepare_exact(const KernelContext& ctx, const Graph& g) { return prepare(ctx, g, true); }

namespace {
// exact_bytes: the byte kernels sum exactly (QGemmKernels::c4_exact), so any s8 weights take them.
std::shared_ptr<const void> prepare(const KernelContext& ctx, const Graph& g, bool exact_bytes) {
  const Node& n = *ctx.node;
  auto plan = std::make_shared<ConvPlan>();
  const Shape& ws = ctx.in(kW).shape;
  plan->M = ws[0];
  plan->K = ws.numel() / std::max<int64_t>(plan->M, 1);
  const int64_t M = plan->M, K = plan->K;
  std::vector<int8_t> w(static_cast<size_t>(M * K));
  for (int64_t i = 0; i < M * K; ++i)
    w[static_cast<size_t>(i)] = static_cast<int8_t>(ref::mv::load_as_double(ctx.in(kW), i) - at(n, g, kWz, i / std::max<int64_t>(K, 1)));
  bool safe = true;
  for (int64_t m = 0; m < M && safe && !exact_bytes; ++m) safe = qgemm_pair_safe(w.data() + m * K, K);
  plan->kind = safe ? QOperands::kS8U8 : QOperands::kS16;
  const int kg = safe ? 4 : 2;
  plan->Kp = (K + kg - 1) / kg * kg;
  plan->x_signed = ctx.in(kX).dtype == DType::kI8;
  plan->zx = static_cast<int32_t>(at(n, g, kXz, 0));
  // The byte kernels see x as u8: an s8 x flipped by 128, its zero point with it.
  const int64_t zx_u8 = plan->x_signed ? plan->zx + 128 : plan->zx;
  const float xs = static_cast<float>(at(n, g, kXs, 0, 1)), ys = static_cast<float>(at(n, g, kYs, 0, 1));
  plan->bias.resize(static_cast<size_t>(M));
  plan->mult.resize(static_cast<size_t>(M));
  if (safe) plan->w8.assign(static_cast<size_t>(M * plan->Kp), 0);
  else plan->w16.assign(static_cast<size_t>(M * plan->Kp), 0);
  for (int64_t m = 0; m < M; ++m) {
    int64_t sum = 0;
    for (int64_t k = 0; k < K; ++k) {
      const int8_t v = w[static_cast<size_t>(m * K + k)];
      sum += v;
      if (safe) plan->w8[static_cast<size_t>(m * plan->Kp + k)] = v;
      else plan->w16[static_cast<size_t>(m * plan->Kp + k)] = v;
    }
    const int64_t b = static_cast<int64_t>(at(n, g, kBias, m));
    // Modulo 2^32, as the int32 accumulator wraps.
    plan->bias[static_cast<size_t>(m)] =
        static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(b - (safe ? zx_u8 * sum : 0))));
    plan->mult[static_cast<size_t>(m)] = xs * static_cast<float>(at(n, g, kWs, m, 1)) / ys;
  }
  plan->out = output_of(n, g, ctx.out(0).dtype, kYz);
  return plan;
}
}  // namespace

QOperands qlinear_conv_operands(const void* prepared) { return static_cast<const ConvPlan*>(prepared)->kind; }

size_t qlinear_conv_scratch(const Node& n, const Graph& g) {
  const Shape& w = g.value(n.inputs[kW]).shape;
  const int64_t K = w.numel() / std::max<int64_t>(w[0], 1), Kp = (K + 3) / 4 * 4;
  return std::max(qgemm_scratch_bytes(QOperands::kS8U8, Kp), qgemm_scratch_bytes(QOperands::kS16, Kp));
}

void qlinear_conv_with(const KernelContext& ctx, const QGemmKernels& kernels) {
  if (!ctx.prepared) throw Error(ErrorKind::kInternal, "QLinearConv: the integer kernel's weights were not prepared");
  const ConvPlan& plan = *static_cast<const ConvPlan*>(ctx.prepared);
  const QGemmMicro& u = plan.kind == QOperands::kS16 ? kernels.s16 : kernels.s8u8;
  const TensorView& xv = ctx.in(kX);
  Window win;
  window_of(ctx.attrs(), xv.shape, ctx.in(kW).shape, win);
  const int64_t N = xv.shape[0], C = xv.shape[1], M = plan.M, G = ctx.attrs().get_int("group", 1);
  const int64_t Cg = C / G, Mg = M / G, K = plan.K, IHW = win.in_size(), OHW = win.out_size();
  const uint8_t* X = static_cast<const uint8_t*>(xv.data);  // bytes of x's type
  uint8_t* Y = static_cast<uint8_t*>(ctx.out(0).data);
  const GridMap map{win.nd, win.out, win.in, win.stride, win.pad_begin, win.dilation};
  const bool pointwise = im2col_is_pointwise(win);
  const bool s16 = plan.kind == QOperands::kS16;
  const int64_t es = s16 ? 2 : 1;
  const uint8_t pad = static_cast<uint8_t>(plan.zx);  // x's zero point, as x's bytes
  const uint8_t flip = plan.x_signed ? 0x80 : 0;
  const int32_t zx = plan.zx;
  const bool x_signed = plan.x_signed;
  auto a_block = [&](int64_t b, int64_t i0, int64_t, int64_t k0, int64_t, void*) {
    const int64_t row = (b % G) * Mg + i0;
    const void* p = s16 ? static_cast<const void*>(plan.w16.data() + row * plan.Kp + k0)
                        : static_cast<const void*>(plan.w8.data() + row * plan.Kp + k0);
    return std::pair<const void*, int64_t>(p, plan.Kp * es);
  };
  auto pack = [&](int64_t b, int64_t k0, int64_t kc, int64_t j0, int64_t nc, void* dst, void* tmp) -> const void* {
    const uint8_t* xb = X + ((b / G) * C + (b % G) * Cg) * IHW;
    const int64_t kr = std::max<int64_t>(0, std::min(kc, K - k0));  // rows past K are padding
    // Rows [k, k + kp) of the panels (kp of them padded) from src[kr][nc].
    auto interleave = [&](const uint8_t* src, int64_t lds, int64_t k, int64_t rows, int64_t kp) {
      if (s16) qgemm_interleave_c2_s16(src, lds, rows, kp, nc, x_signed, zx, static_cast<int16_t*>(dst) + k * 16, kc * 16);
      else qgemm_interleave_c4_u8(src, lds, rows, kp, nc, flip, static_cast<uint8_t*>(dst) + k * 16, kc * 16);
    };
    if (pointwise) {
      interleave(xb + k0 * IHW + j0, IHW, 0, kr, kc);
      return dst;
    }
    // The im2col rows in chunks that stay in L1 until interleaved (the whole block, 512 x 128
    // bytes, went through L2 and back: a third of a 16x16 layer's packing).
    constexpr int64_t kChunk = 64;  // rows: a multiple of every k group
    uint8_t* raw = static_cast<uint8_t*>(tmp);
    for (int64_t k = 0; k < kc; k += kChunk) {
      const int64_t kp = std::min(kChunk, kc - k), rows = std::clamp<int64_t>(kr - k, 0, kp);
      if (rows > 0) pack_im2col(win, map, false, xb, k0 + k, rows, j0, nc, raw, nc, pad);
      interleave(raw, nc, k, rows, kp);
    }
    return dst;
  };
  auto epi = [&](int64_t b, const int32_t* c, int64_t ldc, int64_t i0, int64_t rows, int64_t j0, int64_t nc) {
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t ch = (b % G) * Mg + i0 + r;
      RequantizeRow q = plan.out;
      q.bias = plan.bias[static_cast<size_t>(ch)];
      q.scale = plan.mult[static_cast<size_t>(ch)];
      kernels.requantize_row(c + r * ldc, nc, q, Y + ((b / G) * M + ch) * OHW + j0);
    }
  };
  qgemm_run(ctx.pool, ctx.scratch, ctx.scratch_bytes, u, N * G, Mg, OHW, plan.Kp, a_block, pack, epi);
}

}  // namespace edgewm
