// QLinearConv as an integer GEMM per (image, group): A = the weights less their zero point,
// packed once (s8 rows, or s16 where the byte kernels could saturate); B = im2col of the image
// in x's own type, interleaved into the micro-kernel's panels (u8, x's zero point in the
// padding, folded into the per-channel bias; or s16 less the zero point); the int32 tile
// requantised per output channel into y.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "kernels/conv/im2col.h"
#include "kernels/gemm/qgemm_blocked.h"
#include "kernels/quant/qconv_output.h"
#include "kernels/quant/qlinear.h"
#include "kernels/quant/qparams.h"
#include "kernels/ref/grid_map.h"
#include "kernels/ref/nn.h"
#include "kernels/scratch.h"

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
  bool quads = false;        // B from the channel-quad image (QuadImage); w8's k order (tap, channel)
  std::vector<int8_t> w8;    // [M][Kp]: w - w_zp (byte kinds)
  std::vector<int16_t> w16;  // [M][Kp] (s16)
  int32_t zx = 0;            // x's zero point, in x's type
  bool x_signed = false;
  QConvOutput out;           // bias per channel: bias, less x's zero point times the row sum (byte kinds)
};

bool window_of(const Attributes& a, const Shape& x, const Shape& w, Window& win) {
  bool unsupported = false;
  ref::nn::compute_window(a, x, w.dims().subspan(2), false, true, win, &unsupported);
  return !unsupported;
}

// The byte kinds' B for 2-D stride-1 convolutions (3x3 and the like, one group): the image
// once as [C/4][H + pads][W + pads][4] bytes (flipped to u8, the zero point in the padding:
// QuadImage), the GEMM's k in (tap, channel) order, so a k group of 4 is 4 channels at one tap
// and 16 output columns of it are 16 consecutive 4-byte pixels of one padded row (or 2 of 8, 4
// of 4): packing is copying 64, 32 or 16 bytes, no im2col (which, with the interleave, took a
// fifth of an INT8 UNet's 3x3 layers on Zen 4).
struct QuadGeometry {
  int64_t c4 = 0, hp = 0, wp = 0, pt = 0, pl = 0;
  int64_t image_bytes() const { return c4 * hp * wp * 4; }
};

bool quad_geometry(const Window& w, int64_t group, int64_t c, QuadGeometry& q) {
  if (w.nd != 2 || group != 1 || im2col_is_pointwise(w)) return false;
  for (int d = 0; d < 2; ++d)
    if (w.stride[d] != 1 || w.dilation[d] != 1 || w.pad_begin[d] < 0 || w.pad_end[d] < 0) return false;
  q.c4 = (c + 3) / 4;
  q.pt = w.pad_begin[0], q.pl = w.pad_begin[1];
  q.hp = w.in[0] + w.pad_begin[0] + w.pad_end[0], q.wp = w.in[1] + w.pad_begin[1] + w.pad_end[1];
  return w.out[0] == q.hp - w.kernel[0] + 1 && w.out[1] == q.wp - w.kernel[1] + 1;
}

// Four channel rows of w bytes (rows past `count` zero) as w 4-byte pixels, each byte ^ flip.
void quad_row(const uint8_t* x, int64_t ld, int count, int64_t w, uint8_t flip, uint8_t* out) {
  int64_t i = 0;
#if defined(__SSE2__)
  if (count == 4) {
    const __m128i fl = _mm_set1_epi8(static_cast<char>(flip));
    for (; i + 16 <= w; i += 16) {
      auto row = [&](int r) { return _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + r * ld + i)), fl); };
      const __m128i r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3);
      const __m128i t0 = _mm_unpacklo_epi8(r0, r1), t1 = _mm_unpackhi_epi8(r0, r1);
      const __m128i t2 = _mm_unpacklo_epi8(r2, r3), t3 = _mm_unpackhi_epi8(r2, r3);
      __m128i* o = reinterpret_cast<__m128i*>(out + 4 * i);
      _mm_storeu_si128(o, _mm_unpacklo_epi16(t0, t2));
      _mm_storeu_si128(o + 1, _mm_unpackhi_epi16(t0, t2));
      _mm_storeu_si128(o + 2, _mm_unpacklo_epi16(t1, t3));
      _mm_storeu_si128(o + 3, _mm_unpackhi_epi16(t1, t3));
    }
    for (; i + 8 <= w; i += 8) {
      auto row = [&](int r) { return _mm_xor_si128(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x + r * ld + i)), fl); };
      const __m128i t0 = _mm_unpacklo_epi8(row(0), row(1)), t2 = _mm_unpacklo_epi8(row(2), row(3));
      __m128i* o = reinterpret_cast<__m128i*>(out + 4 * i);
      _mm_storeu_si128(o, _mm_unpacklo_epi16(t0, t2));
      _mm_storeu_si128(o + 1, _mm_unpackhi_epi16(t0, t2));
    }
  }
#endif
  for (; i < w; ++i)
    for (int r = 0; r < 4; ++r) out[4 * i + r] = r < count ? static_cast<uint8_t>(x[r * ld + i] ^ flip) : uint8_t{0};
}

// Image `x` ([C][H][W] bytes of x's type) into its QuadImage, channel quads [q0, q1).
void quad_image(const uint8_t* x, int64_t c, int64_t h, int64_t w, const QuadGeometry& q, uint8_t pad, uint8_t flip,
                int64_t q0, int64_t q1, uint8_t* out) {
  const uint8_t pv = static_cast<uint8_t>(pad ^ flip);
  for (int64_t qi = q0; qi < q1; ++qi) {
    const int count = static_cast<int>(std::min<int64_t>(4, c - 4 * qi));
    uint8_t pix[4] = {pv, pv, pv, pv};  // a padding pixel (channels past C: 0, as their weights)
    for (int r = count; r < 4; ++r) pix[r] = 0;
    uint8_t* plane = out + qi * q.hp * q.wp * 4;
    for (int64_t r = 0; r < q.hp; ++r) {
      uint8_t* o = plane + r * q.wp * 4;
      const int64_t ih = r - q.pt;
      const bool inside = ih >= 0 && ih < h;
      for (int64_t t = 0; t < q.wp; ++t)
        if (!inside || t < q.pl || t >= q.pl + w) std::memcpy(o + 4 * t, pix, 4);
      if (inside) quad_row(x + (4 * qi) * h * w + ih * w, h * w, count, w, flip, o + 4 * q.pl);
    }
  }
}

}  // namespace

bool qlinear_conv_supports(const Node& n, const Graph& g) {
  if (n.inputs.size() < 8) return false;
  const Value& x = g.value(n.inputs[kX]);
  const Value& w = g.value(n.inputs[kW]);
  if (!x.shape_known || !w.shape_known || !is_int8(x.dtype) || !is_int8(w.dtype) || !w.is_constant()) return false;
  if (x.shape.rank() < 3 || w.shape.rank() != x.shape.rank()) return false;
  // edgewm.QLinearConv's residual scale and zero point (inputs 10, 11) are read at prepare too.
  for (size_t i : std::initializer_list<size_t>{kXs, kXz, kWs, kWz, kYs, kYz, kBias, 10, 11})
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
  Window win;
  QuadGeometry quad;
  const int64_t C = ctx.in(kX).shape[1], taps = C > 0 ? K / C : 0;
  plan->quads = safe && window_of(ctx.attrs(), ctx.in(kX).shape, ws, win) &&
                quad_geometry(win, ctx.attrs().get_int("group", 1), C, quad);
  if (plan->quads) plan->Kp = taps * quad.c4 * 4;
  // Where weight k (channel k / taps, tap k % taps) goes in a row of w8.
  auto at_k = [&](int64_t k) { return plan->quads ? ((k % taps) * quad.c4 + (k / taps) / 4) * 4 + (k / taps) % 4 : k; };
  plan->x_signed = ctx.in(kX).dtype == DType::kI8;
  plan->zx = static_cast<int32_t>(at(n, g, kXz, 0));
  // The byte kernels see x as u8: an s8 x flipped by 128, its zero point with it.
  const int64_t zx_u8 = plan->x_signed ? plan->zx + 128 : plan->zx;
  plan->out = QConvOutput::of(n, g, ctx.out(0).dtype, M);
  if (safe) plan->w8.assign(static_cast<size_t>(M * plan->Kp), 0);
  else plan->w16.assign(static_cast<size_t>(M * plan->Kp), 0);
  for (int64_t m = 0; m < M; ++m) {
    int64_t sum = 0;
    for (int64_t k = 0; k < K; ++k) {
      const int8_t v = w[static_cast<size_t>(m * K + k)];
      sum += v;
      if (safe) plan->w8[static_cast<size_t>(m * plan->Kp + at_k(k))] = v;
      else plan->w16[static_cast<size_t>(m * plan->Kp + k)] = v;
    }
    const int64_t b = static_cast<int64_t>(at(n, g, kBias, m));
    // Modulo 2^32, as the int32 accumulator wraps.
    plan->out.bias[static_cast<size_t>(m)] =
        static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(b - (safe ? zx_u8 * sum : 0))));
  }
  return plan;
}
}  // namespace

QOperands qlinear_conv_operands(const void* prepared) { return static_cast<const ConvPlan*>(prepared)->kind; }

size_t qlinear_conv_scratch(const Node& n, const Graph& g) {
  const Shape& w = g.value(n.inputs[kW]).shape;
  const Shape& x = g.value(n.inputs[kX]).shape;
  const int64_t K = w.numel() / std::max<int64_t>(w[0], 1), Kp = (K + 3) / 4 * 4;
  const size_t gemm = std::max(qgemm_scratch_bytes(QOperands::kS8U8, Kp), qgemm_scratch_bytes(QOperands::kS16, Kp));
  Window win;
  QuadGeometry q;
  if (!window_of(n.attrs, x, w, win) || !quad_geometry(win, n.attrs.get_int("group", 1), x[1], q)) return gemm;
  // The quad images first (prepare decides whether they are used: byte kinds only).
  const int64_t taps = w.numel() / std::max<int64_t>(w[0] * w[1], 1);
  return std::max(gemm, qgemm_scratch_bytes(QOperands::kS8U8, taps * q.c4 * 4)) +
         static_cast<size_t>((x[0] * q.image_bytes() + 63) / 64 * 64) + 64;
}

namespace {

// QLinearConv on the quad images (ConvPlan::quads): the images written once, then the GEMM
// packing each panel from them.
void qlinear_conv_quads(const KernelContext& ctx, const ConvPlan& plan, const QGemmMicro& u, const Window& win,
                        const QuadGeometry& q, const auto& a_block, const auto& epi) {
  const TensorView& xv = ctx.in(kX);
  const int64_t N = xv.shape[0], C = xv.shape[1], H = win.in[0], W = win.in[1], OW = win.out[1], KW = win.kernel[1];
  const int64_t plane = q.hp * q.wp, ibytes = q.image_bytes();
  uint8_t* images = scratch_aligned<uint8_t>(ctx.scratch);
  const int64_t used = (N * ibytes + 63) / 64 * 64 + (images - static_cast<uint8_t*>(ctx.scratch));
  const uint8_t* X = static_cast<const uint8_t*>(xv.data);
  const uint8_t pad = static_cast<uint8_t>(plan.zx), flip = plan.x_signed ? 0x80 : 0;
  ctx.pool->parallel_for(N * q.c4, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, plane * 4)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      quad_image(X + (i / q.c4) * C * H * W, C, H, W, q, pad, flip, i % q.c4, i % q.c4 + 1, images + (i / q.c4) * ibytes);
  });
  auto pack = [&](int64_t b, int64_t k0, int64_t kc, int64_t j0, int64_t nc, void* dst, void*) -> const void* {
    const uint8_t* img = images + b * ibytes;
    for (int64_t j = 0; j < nc; j += 16) {
      uint8_t* panel = static_cast<uint8_t*>(dst) + (j / 16) * kc * 16;
      const int w = static_cast<int>(std::min<int64_t>(16, nc - j));
      int64_t off[16];  // each column's pixel within a quad plane, at tap (0, 0)
      for (int c = 0; c < w; ++c) {
        const int64_t p = j0 + j + c;
        off[c] = p / OW * q.wp + p % OW;
      }
      // Runs of L consecutive pixels (16 a row, or 2 rows of 8...): one fixed-size copy each.
      int L = 0;
      for (int len : {16, 8, 4}) {
        bool ok = w == 16;
        for (int c = 0; c < w && ok; ++c) ok = off[c] == off[c - c % len] + c % len;
        if (ok) {
          L = len;
          break;
        }
      }
      int64_t g = k0 / 4, qi = g % q.c4, tap = g / q.c4, kh = tap / KW, kw = tap % KW;
      for (int64_t gi = 0; gi < kc / 4; ++gi) {
        const uint8_t* src = img + 4 * (qi * plane + kh * q.wp + kw);
        uint8_t* o = panel + gi * 64;
        switch (L) {
          case 16: std::memcpy(o, src + 4 * off[0], 64); break;
          case 8:
            std::memcpy(o, src + 4 * off[0], 32);
            std::memcpy(o + 32, src + 4 * off[8], 32);
            break;
          case 4:
            for (int c = 0; c < 16; c += 4) std::memcpy(o + 4 * c, src + 4 * off[c], 16);
            break;
          default:
            for (int c = 0; c < 16; ++c)
              if (c < w) std::memcpy(o + 4 * c, src + 4 * off[c], 4);
              else std::memset(o + 4 * c, 0, 4);
        }
        if (++qi == q.c4) {
          qi = 0;
          if (++kw == KW) kw = 0, ++kh;
        }
      }
    }
    return dst;
  };
  qgemm_run(ctx.pool, static_cast<uint8_t*>(ctx.scratch) + used, ctx.scratch_bytes - static_cast<size_t>(used), u, N,
            plan.M, win.out_size(), plan.Kp, a_block, pack, epi);
}

}  // namespace

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
  const void* R = ctx.has_in(9) ? ctx.in(9).data : nullptr;  // edgewm.QLinearConv's residual
  auto epi = [&](int64_t b, const int32_t* c, int64_t ldc, int64_t i0, int64_t rows, int64_t j0, int64_t nc) {
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t ch = (b % G) * Mg + i0 + r;
      plan.out.store(kernels, c + r * ldc, nc, ch, ((b / G) * M + ch) * OHW + j0, Y, R);
    }
  };
  QuadGeometry quad;
  if (plan.quads) {
    if (!quad_geometry(win, G, C, quad))
      throw Error(ErrorKind::kInternal, Graph::where(*ctx.node) + ": quad-image QLinearConv on a geometry it cannot run");
    qlinear_conv_quads(ctx, plan, u, win, quad, a_block, epi);
    return;
  }
  qgemm_run(ctx.pool, ctx.scratch, ctx.scratch_bytes, u, N * G, Mg, OHW, plan.Kp, a_block, pack, epi);
}

}  // namespace edgewm
