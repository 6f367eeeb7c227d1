// Conv and ConvTranspose (N-d, groups, strides, dilations, pads, auto_pad), f32 and f64.
// Conv is a GEMM per (image, group) whose B operand is packed by im2col straight from the image;
// ConvTranspose is a GEMM into a column tile followed by col2im (scatter-add) per output channel.
#include <cmath>
#include <limits>

#include "kernels/cpu_features.h"
#include "kernels/ref/dispatch.h"
#include "kernels/ref/im2col.h"
#include "kernels/ref/nn.h"
#include "kernels/row_kernels.h"

namespace edgewm {

using namespace ref::nn;

namespace {

// Maps source positions [j0, j0+n) of a `src` grid (flattened row-major) through
// target = src * stride - pad_begin + kidx * dilation to a `dst` grid, one run of the last
// dim at a time: f(rel, len, row, s0, lo, hi) where rel is the offset of the run in [0, n),
// s0 its first last-dim source index, row the target row start (flattened index of the target
// with last coordinate 0) or -1 when the run's outer coordinates fall outside the target, and
// [lo, hi) the last-dim source indices whose target lies inside (possibly empty).
struct GridMap {
  int nd = 0;
  const int64_t* src = nullptr;
  const int64_t* dst = nullptr;
  const int64_t* stride = nullptr;
  const int64_t* pad_begin = nullptr;
  const int64_t* dilation = nullptr;

  template <class F> void runs(const int64_t* kidx, int64_t j0, int64_t n, F&& f) const {
    const int L = nd - 1;
    int64_t s[kMaxSpatial];
    int64_t rem = j0;
    for (int d = L; d >= 0; --d) {
      s[d] = rem % src[d];
      rem /= src[d];
    }
    const int64_t off = kidx[L] * dilation[L] - pad_begin[L];
    // target = s * stride + off in [0, dst): s >= ceil(-off / stride), s <= floor((dst - 1 - off) / stride)
    const int64_t lo_all = std::max<int64_t>(0, ceil_div(-off, stride[L]));
    const int64_t hi_all = std::min<int64_t>(src[L], floor_div(dst[L] - 1 - off, stride[L]) + 1);
    int64_t p = 0;
    while (p < n) {
      const int64_t len = std::min(src[L] - s[L], n - p);
      int64_t row = 0;
      bool valid = true;
      for (int d = 0; d < L; ++d) {
        const int64_t t = s[d] * stride[d] - pad_begin[d] + kidx[d] * dilation[d];
        if (t < 0 || t >= dst[d]) valid = false;
        row = row * dst[d] + t;
      }
      const int64_t s0 = s[L], s1 = s0 + len;
      const int64_t lo = std::clamp(lo_all, s0, s1), hi = std::clamp(hi_all, lo, s1);
      f(p, len, valid ? row * dst[L] : int64_t{-1}, s0, lo, hi);
      p += len;
      s[L] += len;
      for (int d = L; d > 0 && s[d] == src[d]; --d) {
        s[d] = 0;
        ++s[d - 1];
      }
    }
  }
};

void kernel_index(const int64_t* kernel, int nd, int64_t flat, int64_t* kidx) {
  for (int d = nd - 1; d >= 0; --d) {
    kidx[d] = flat % kernel[d];
    flat /= kernel[d];
  }
}

// kernel_shape, when given, must match the weights.
void check_kernel_shape(const InferContext& ctx, const Shape& w) {
  auto ks = ctx.attrs().get_ints("kernel_shape");
  if (ks.empty()) return;
  bool ok = static_cast<int>(ks.size()) == w.rank() - 2;
  for (int d = 0; ok && d < w.rank() - 2; ++d) ok = ks[d] == w[d + 2];
  if (!ok) ctx.fail("kernel_shape " + ints_str(ks) + " does not match weights " + w.str());
}

void check_bias(const InferContext& ctx, int64_t channels) {
  if (!ctx.has_input(2)) return;
  if (ctx.dtype(2) != ctx.dtype(0)) ctx.fail("bias dtype differs from the input's");
  if (ctx.shape(2).rank() != 1 || ctx.shape(2)[0] != channels)
    ctx.fail("bias " + ctx.shape(2).str() + " must be [" + std::to_string(channels) + "]");
}

// ---------------------------------------------------------------------------- Conv

void infer_conv(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64});
  if (ctx.dtype(1) != ctx.dtype(0)) ctx.fail("weights dtype differs from the input's");
  const Shape& x = ctx.shape(0);
  const Shape& w = ctx.shape(1);
  if (x.rank() < 3) ctx.fail("input must be [N, C, spatial...], got " + x.str());
  if (w.rank() != x.rank()) ctx.fail("weights " + w.str() + " and input " + x.str() + " differ in rank");
  const int64_t group = ctx.attrs().get_int("group", 1);
  if (group < 1) ctx.fail("group must be positive");
  if (x[1] % group != 0 || w[1] * group != x[1])
    ctx.fail("input has " + std::to_string(x[1]) + " channels, weights " + w.str() + " with group " +
             std::to_string(group) + " expect " + std::to_string(w[1] * group));
  if (w[0] % group != 0) ctx.fail("output channels " + std::to_string(w[0]) + " are not divisible by group");
  check_kernel_shape(ctx, w);
  check_bias(ctx, w[0]);
  Window win;
  compute_window_or_fail(ctx, x, w.dims().subspan(2), false, true, win);
  Shape out{x[0], w[0]};
  for (int d = 0; d < win.nd; ++d) out.push_back(win.out[d]);
  ctx.set_output(0, ctx.dtype(0), out);
}

}  // namespace

ConvAddend conv_addend(const KernelContext& ctx, int64_t N, int64_t M, int64_t plane) {
  ConvAddend a;
  if (!ctx.has_in(3)) return a;
  const TensorView& z = ctx.in(3);
  a.data = z.as<float>();
  a.per_channel = z.numel() == M || z.numel() == N * M;
  if (a.per_channel && z.numel() == N * M && N > 1) a.image_stride = M;
  if (a.per_channel) {
    a.channel_stride = 1;
  } else {
    a.image_stride = M * plane;
    a.channel_stride = plane;
  }
  return a;
}

ConvActivation ConvActivation::of(const Attributes& attrs) {
  ConvActivation a;
  const std::string_view name = attrs.get_string("activation", "none");
  a.lo = attrs.get_float("activation_min", -std::numeric_limits<float>::infinity());
  a.hi = attrs.get_float("activation_max", std::numeric_limits<float>::infinity());
  a.alpha = attrs.get_float("activation_alpha", 0.f);
  a.beta = attrs.get_float("activation_beta", 0.f);
  a.kind = name == "relu"          ? Kind::kRelu
           : name == "clip"        ? Kind::kClip
           : name == "hardswish"   ? Kind::kHardSwish
           : name == "hardsigmoid" ? Kind::kHardSigmoid
           : name == "leaky_relu"  ? Kind::kLeakyRelu
           : name == "sigmoid"     ? Kind::kSigmoid
           : name == "silu"        ? Kind::kSilu
                                   : Kind::kNone;
  if (a.kind == Kind::kSigmoid || a.kind == Kind::kSilu) a.rows = row_kernels_f32(cpu_isa());
  return a;
}

bool ConvActivation::known(std::string_view name) {
  for (const char* k : {"none", "relu", "clip", "hardswish", "hardsigmoid", "leaky_relu", "sigmoid", "silu"})
    if (name == k) return true;
  return false;
}

// The same expressions as the standalone ops' kernels (unary.cc, binary.cc), so fusing does not
// change a result; simple selects the compiler vectorises.
void ConvActivation::apply(float* y, int64_t n) const {
  switch (kind) {
    case Kind::kNone: return;
    case Kind::kRelu:
      for (int64_t i = 0; i < n; ++i) y[i] = y[i] > 0.f ? y[i] : 0.f;
      return;
    case Kind::kClip:
      for (int64_t i = 0; i < n; ++i) y[i] = y[i] < lo ? lo : (y[i] > hi ? hi : y[i]);
      return;
    // std::min/max(t, c) keep a NaN t as the selects above do, and map to min/max instructions.
    case Kind::kHardSwish:
      for (int64_t i = 0; i < n; ++i) y[i] = y[i] * std::min(std::max(y[i] * float(1.0 / 6.0) + 0.5f, 0.f), 1.f);
      return;
    case Kind::kHardSigmoid:
      for (int64_t i = 0; i < n; ++i) y[i] = std::min(std::max(alpha * y[i] + beta, 0.f), 1.f);
      return;
    case Kind::kLeakyRelu:
      for (int64_t i = 0; i < n; ++i) y[i] = y[i] < 0.f ? alpha * y[i] : y[i];
      return;
    case Kind::kSigmoid:
    case Kind::kSilu:
      if (rows) return (kind == Kind::kSilu ? rows->silu : rows->sigmoid)(y, y, n);
      for (int64_t i = 0; i < n; ++i) {  // as the reference Sigmoid: no overflow either side
        const float s = y[i] >= 0.f ? 1.f / (1.f + std::exp(-y[i])) : std::exp(y[i]) / (1.f + std::exp(y[i]));
        y[i] = kind == Kind::kSilu ? y[i] * s : s;
      }
      return;
  }
}

namespace {

// Input 3 of edgewm.FusedConv: the output's shape, or one value per channel ([1|N, M, 1, ...],
// right-aligned), f32.
void infer_conv_add(InferContext& ctx) {
  infer_conv(ctx);
  if (ctx.dtype(0) != DType::kF32) ctx.fail("FusedConv is f32 only");
  const std::string_view act = ctx.attrs().get_string("activation", "none");
  if (!ConvActivation::known(act)) ctx.fail("unknown activation '" + std::string(act) + "'");
  if (!ctx.has_input(3)) return;
  if (ctx.dtype(3) != DType::kF32) ctx.fail("FusedConv's addend (input 3) must be f32");
  Window win;
  compute_window_or_fail(ctx, ctx.shape(0), ctx.shape(1).dims().subspan(2), false, true, win);
  Shape y{ctx.shape(0)[0], ctx.shape(1)[0]};
  for (int d = 0; d < win.nd; ++d) y.push_back(win.out[d]);
  const Shape& z = ctx.shape(3);
  if (z == y) return;
  bool channel = z.rank() <= y.rank() && z.numel() > 0;
  for (int d = 0; channel && d < z.rank(); ++d) {
    const int full = y.rank() - z.rank() + d;
    const int64_t want = full == 1 ? y[1] : (full == 0 ? -1 : 1);
    channel = want == -1 ? (z[d] == 1 || z[d] == y[0]) : z[d] == want;
  }
  if (!channel || z.numel() < y[1])
    ctx.fail("addend " + z.str() + " is neither the output's shape " + y.str() + " nor one value per channel");
}

}  // namespace

size_t conv_scratch(const Node& n, const Graph& g) {
  const Value& x = g.value(n.inputs[0]);
  const Value& w = g.value(n.inputs[1]);
  const Value& y = g.value(n.outputs[0]);
  const int64_t K = w.shape[1] * Shape(w.shape.dims().subspan(2)).numel();  // GEMM depth
  const int64_t N = Shape(y.shape.dims().subspan(2)).numel();                // GEMM width
  return x.dtype == DType::kF64 ? gemm_scratch_bytes<double>(N, K) : gemm_scratch_bytes<float>(N, K);
}

namespace {

template <class T> void conv_t(const KernelContext& ctx, const GemmMicroF32* micro = nullptr) {
  const TensorView& xv = ctx.in(0);
  const TensorView& wv = ctx.in(1);
  const TensorView& yv = ctx.out(0);
  Window win;
  bool unsupported = false;
  compute_window(ctx.attrs(), xv.shape, wv.shape.dims().subspan(2), false, true, win, &unsupported);
  const int64_t N = xv.shape[0], C = xv.shape[1], M = wv.shape[0];
  const int64_t G = ctx.attrs().get_int("group", 1);
  const int64_t Cg = C / G, Mg = M / G, KS = win.kernel_size(), K = Cg * KS;
  const int64_t IHW = win.in_size(), OHW = win.out_size();
  const T* X = xv.as<T>();
  const T* W = wv.as<T>();
  T* Y = yv.as<T>();
  const T* B = ctx.has_in(2) ? ctx.in(2).as<T>() : nullptr;
  // The GEMM accumulates onto bias (+ edgewm.FusedConv's addend): one pass over Y, in parallel
  // (on a 1x1 conv it costs a third of the GEMM).
  const ConvAddend z = conv_addend(ctx, N, M, OHW);  // none unless f32 edgewm.FusedConv
  ctx.pool->parallel_for(N * M, std::max<int64_t>(1, 4096 / std::max<int64_t>(OHW, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      T* y = Y + r * OHW;
      const T b = B ? B[r % M] : T(0);
      if constexpr (std::is_same_v<T, float>) {
        if (const float* p = z.plane(r / M, r % M)) {
          for (int64_t i = 0; i < OHW; ++i) y[i] = b + p[i];
          continue;
        }
        const float v = b + z.channel(r / M, r % M);
        std::fill(y, y + OHW, v);
        continue;
      }
      std::fill(y, y + OHW, b);
    }
  });
  GridMap map{win.nd, win.out, win.in, win.stride, win.pad_begin, win.dilation};
  bool pointwise = KS == 1;
  for (int d = 0; d < win.nd; ++d)
    pointwise = pointwise && win.stride[d] == 1 && win.pad_begin[d] == 0 && win.pad_end[d] == 0;
  auto pack = [&](int64_t b, int64_t k0, int64_t kc, int64_t j0, int64_t nc, T* dst, int64_t ldp) {
    const T* xb = X + ((b / G) * C + (b % G) * Cg) * IHW;
    if (pointwise) {  // 1x1, stride 1, no padding: B is the image itself, row k = channel k
      for (int64_t kk = 0; kk < kc; ++kk) {
        std::memcpy(dst + kk * ldp, xb + (k0 + kk) * IHW + j0, static_cast<size_t>(nc) * sizeof(T));
        std::fill(dst + kk * ldp + nc, dst + (kk + 1) * ldp, T(0));
      }
      return;
    }
    if (win.nd == 2 && pack_im2col_2d(win, xb, k0, kc, j0, nc, dst, ldp)) return;
    const int64_t s_last = win.stride[win.nd - 1];
    for (int64_t kk = 0; kk < kc; ++kk) {
      const int64_t row = k0 + kk;
      int64_t kidx[kMaxSpatial];
      kernel_index(win.kernel, win.nd, row % KS, kidx);
      const T* xc = xb + (row / KS) * IHW;
      const int64_t off = kidx[win.nd - 1] * win.dilation[win.nd - 1] - win.pad_begin[win.nd - 1];
      T* d = dst + kk * ldp;
      map.runs(kidx, j0, nc, [&](int64_t rel, int64_t len, int64_t in_row, int64_t s0, int64_t lo, int64_t hi) {
        T* o = d + rel;
        if (in_row < 0) {
          std::fill(o, o + len, T(0));
          return;
        }
        const T* src = xc + in_row + off;
        // [s0, lo) and [hi, s0 + len) fall in the padding; [lo, hi) is one input row segment.
        std::fill(o, o + (lo - s0), T(0));
        if (s_last == 1) {
          std::memcpy(o + (lo - s0), src + lo, static_cast<size_t>(hi - lo) * sizeof(T));
        } else {
          for (int64_t s = lo; s < hi; ++s) o[s - s0] = src[s * s_last];
        }
        std::fill(o + (hi - s0), o + len, T(0));
      });
      std::fill(d + nc, d + ldp, T(0));
    }
  };
  ConvActivation act;
  if constexpr (std::is_same_v<T, float>) act = ConvActivation::of(ctx.attrs());
  auto epilogue = [&](T* c, int64_t rows, int64_t ldc, int64_t nc) {
    if constexpr (std::is_same_v<T, float>) act.apply_rows(c, rows, ldc, nc);
  };
  gemm_run<T>(
      ctx.pool, ctx.scratch, ctx.scratch_bytes, N * G, Mg, OHW, K, K, 1,
      [&](int64_t b) { return W + (b % G) * Mg * K; }, OHW,
      [&](int64_t b) { return Y + ((b / G) * M + (b % G) * Mg) * OHW; }, T(1), pack, micro, epilogue);
}

void conv_kernel(const KernelContext& ctx) {
  ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { conv_t<decltype(t)>(ctx); });
}

}  // namespace

void conv_f32_with(const KernelContext& ctx, const GemmMicroF32* micro) { conv_t<float>(ctx, micro); }

namespace {

// ---------------------------------------------------------------------------- ConvTranspose

// ConvTranspose reuses the sliding-window geometry: `in` is the small input, `out` the large
// output (pad_end is unused).
using ConvTGeom = Window;

// ONNX ConvTranspose output size and leading pads. Returns "" or the problem (*unsupported:
// a valid model whose semantics the ONNX documents disagree on).
std::string convt_geometry(const Attributes& a, const Shape& x, const Shape& w, ConvTGeom& g, bool* unsupported) {
  *unsupported = false;
  const int nd = x.rank() - 2;
  g.nd = nd;
  auto strides = a.get_ints("strides");
  auto dilations = a.get_ints("dilations");
  auto pads = a.get_ints("pads");
  auto output_padding = a.get_ints("output_padding");
  auto output_shape = a.get_ints("output_shape");
  if (!strides.empty() && static_cast<int>(strides.size()) != nd) return "strides " + ints_str(strides) + " must have " + std::to_string(nd) + " values";
  if (!dilations.empty() && static_cast<int>(dilations.size()) != nd) return "dilations " + ints_str(dilations) + " must have " + std::to_string(nd) + " values";
  if (!pads.empty() && static_cast<int>(pads.size()) != 2 * nd) return "pads " + ints_str(pads) + " must have " + std::to_string(2 * nd) + " values";
  if (!output_padding.empty() && static_cast<int>(output_padding.size()) != nd)
    return "output_padding " + ints_str(output_padding) + " must have " + std::to_string(nd) + " values";
  // output_shape may be spatial only or include N and C.
  if (!output_shape.empty()) {
    if (static_cast<int>(output_shape.size()) == nd + 2) output_shape = output_shape.subspan(2);
    if (static_cast<int>(output_shape.size()) != nd) return "output_shape " + ints_str(output_shape) + " must have " + std::to_string(nd) + " values";
  }
  std::string_view auto_pad = a.get_string("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER" && auto_pad != "VALID")
    return "auto_pad '" + std::string(auto_pad) + "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID";
  bool explicit_pads = false;
  for (int64_t p : pads) {
    if (p < 0) return "pads " + ints_str(pads) + " must not be negative";
    explicit_pads |= p != 0;
  }
  if (explicit_pads && auto_pad != "NOTSET") return "pads and auto_pad=" + std::string(auto_pad) + " are both set";
  for (int d = 0; d < nd; ++d) {
    g.in[d] = x[d + 2];
    g.kernel[d] = w[d + 2];
    g.stride[d] = strides.empty() ? 1 : strides[d];
    g.dilation[d] = dilations.empty() ? 1 : dilations[d];
    const int64_t op = output_padding.empty() ? 0 : output_padding[d];
    if (g.stride[d] < 1 || g.dilation[d] < 1) return "strides and dilations must be positive";
    if (op < 0 || (op >= g.stride[d] && op >= g.dilation[d]))
      return "output_padding " + ints_str(output_padding) + " must be smaller than the stride or the dilation";
    const int64_t dk = (g.kernel[d] - 1) * g.dilation[d] + 1;
    const int64_t natural = g.stride[d] * (g.in[d] - 1) + op + dk;  // output size with no padding
    if (!output_shape.empty()) {
      g.out[d] = output_shape[d];
      if (g.out[d] < 0) return "output_shape " + ints_str(output_shape) + " must not be negative";
    }
    if (auto_pad == "NOTSET" && output_shape.empty()) {
      g.pad_begin[d] = pads.empty() ? 0 : pads[d];
      const int64_t pad_end = pads.empty() ? 0 : pads[d + nd];
      g.out[d] = natural - g.pad_begin[d] - pad_end;
      if (g.out[d] < 0) return "pads " + ints_str(pads) + " leave a negative output size";
    } else if (auto_pad == "NOTSET") {
      // The spec says pads are then derived from output_shape (and explicit pads ignored);
      // the reference implementation keeps the explicit pads. Accept only where they agree.
      if (explicit_pads) {
        *unsupported = true;
        return "pads together with output_shape are not supported (the ONNX spec and reference disagree)";
      }
      const int64_t total = natural - g.out[d];
      if (total < -1 || (total > 0 && total % 2 != 0)) {
        *unsupported = true;
        return "output_shape " + ints_str(output_shape) + " implies total padding " + std::to_string(total) +
               ", whose split ONNX implementations disagree on";
      }
      g.pad_begin[d] = total > 0 ? total / 2 : 0;
    } else if (auto_pad == "VALID") {
      g.pad_begin[d] = 0;
      if (output_shape.empty()) g.out[d] = natural;
      if (g.out[d] != natural) {
        *unsupported = true;
        return "auto_pad=VALID with an output_shape other than the natural size is not supported";
      }
    } else {
      if (output_shape.empty()) g.out[d] = g.in[d] * g.stride[d];
      const int64_t total = natural - g.out[d];
      if (total < 0) {
        *unsupported = true;
        return "auto_pad=" + std::string(auto_pad) + " with a kernel shorter than the stride is not supported: " +
               "the ONNX reference pads negatively, onnxruntime shrinks the output";
      }
      const int64_t half = floor_div(total, 2);
      g.pad_begin[d] = auto_pad == "SAME_UPPER" ? half : total - half;
    }
  }
  return "";
}

void infer_conv_transpose(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64});
  if (ctx.dtype(1) != ctx.dtype(0)) ctx.fail("weights dtype differs from the input's");
  const Shape& x = ctx.shape(0);
  const Shape& w = ctx.shape(1);
  if (x.rank() < 3) ctx.fail("input must be [N, C, spatial...], got " + x.str());
  if (w.rank() != x.rank()) ctx.fail("weights " + w.str() + " and input " + x.str() + " differ in rank");
  const int64_t group = ctx.attrs().get_int("group", 1);
  if (group < 1) ctx.fail("group must be positive");
  if (w[0] != x[1] || x[1] % group != 0)
    ctx.fail("input has " + std::to_string(x[1]) + " channels, weights " + w.str() + " (group " +
             std::to_string(group) + ") expect " + std::to_string(w[0]));
  check_kernel_shape(ctx, w);
  check_bias(ctx, w[1] * group);
  ConvTGeom g;
  bool unsupported = false;
  std::string err = convt_geometry(ctx.attrs(), x, w, g, &unsupported);
  if (!err.empty()) {
    if (unsupported) ctx.unsupported(err);
    ctx.fail(err);
  }
  Shape out{x[0], w[1] * group};
  for (int d = 0; d < g.nd; ++d) out.push_back(g.out[d]);
  ctx.set_output(0, ctx.dtype(0), out);
}

// Columns (input positions) per tile: the column buffer is Mg*KS x tile.
int64_t convt_tile(int64_t rows, int64_t in_size, size_t elem) {
  const int64_t budget = int64_t{8} << 20;
  int64_t t = budget / std::max<int64_t>(1, rows * static_cast<int64_t>(elem));
  t = std::max<int64_t>(t, 16);
  return std::max<int64_t>(1, std::min(t, in_size));
}

size_t convt_scratch(const Node& n, const Graph& g) {
  const Value& x = g.value(n.inputs[0]);
  const Value& w = g.value(n.inputs[1]);
  const size_t elem = dtype_size(x.dtype);
  const int64_t rows = w.shape[1] * Shape(w.shape.dims().subspan(2)).numel();
  const int64_t in_size = Shape(x.shape.dims().subspan(2)).numel();
  const int64_t tile = convt_tile(rows, in_size, elem);
  const int64_t group = n.attrs.get_int("group", 1);
  const int64_t K = x.shape[1] / std::max<int64_t>(group, 1);
  const size_t gemm = x.dtype == DType::kF64 ? gemm_scratch_bytes<double>(tile, K) : gemm_scratch_bytes<float>(tile, K);
  return static_cast<size_t>(rows * tile) * elem + 64 + gemm;
}

template <class T> void conv_transpose_t(const KernelContext& ctx) {
  const TensorView& xv = ctx.in(0);
  const TensorView& wv = ctx.in(1);
  const TensorView& yv = ctx.out(0);
  ConvTGeom geo;
  bool unsupported = false;
  convt_geometry(ctx.attrs(), xv.shape, wv.shape, geo, &unsupported);
  const int64_t N = xv.shape[0], C = xv.shape[1];
  const int64_t G = ctx.attrs().get_int("group", 1);
  const int64_t Cg = C / G, Mg = wv.shape[1], M = Mg * G, KS = geo.kernel_size();
  const int64_t rows = Mg * KS, IHW = geo.in_size(), OHW = geo.out_size();
  const T* X = xv.as<T>();
  const T* W = wv.as<T>();
  T* Y = yv.as<T>();
  const T* B = ctx.has_in(2) ? ctx.in(2).as<T>() : nullptr;
  for (int64_t r = 0; r < N * M; ++r) std::fill(Y + r * OHW, Y + (r + 1) * OHW, B ? B[r % M] : T(0));
  if (IHW == 0 || OHW == 0) return;
  const int64_t tile = convt_tile(rows, IHW, sizeof(T));
  T* col = reinterpret_cast<T*>((reinterpret_cast<uintptr_t>(ctx.scratch) + 63) & ~uintptr_t(63));
  uint8_t* gemm_scratch = reinterpret_cast<uint8_t*>(col + rows * tile);
  const size_t gemm_bytes = ctx.scratch_bytes - static_cast<size_t>(gemm_scratch - static_cast<uint8_t*>(ctx.scratch));
  GridMap map{geo.nd, geo.in, geo.out, geo.stride, geo.pad_begin, geo.dilation};
  const int L = geo.nd - 1;
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t g = 0; g < G; ++g) {
      const T* xg = X + (n * C + g * Cg) * IHW;
      const T* wg = W + g * Cg * rows;  // [Cg, Mg*KS]
      T* yg = Y + (n * M + g * Mg) * OHW;
      for (int64_t j0 = 0; j0 < IHW; j0 += tile) {
        const int64_t nc = std::min(tile, IHW - j0);
        std::fill(col, col + rows * nc, T(0));
        // col[rows x nc] = Wg^T [rows x Cg] * Xg[Cg x nc]
        StridedPacker<T> pack{xg + j0, 0, IHW, 1};
        gemm_run<T>(
            ctx.pool, gemm_scratch, gemm_bytes, 1, rows, nc, Cg, 1, rows, [&](int64_t) { return wg; }, nc,
            [&](int64_t) { return col; }, T(1), pack);
        // col2im: each output channel's rows add into its own plane.
        auto scatter = [&](int64_t oc0, int64_t oc1) {
          for (int64_t oc = oc0; oc < oc1; ++oc) {
            T* yp = yg + oc * OHW;
            for (int64_t kr = 0; kr < KS; ++kr) {
              int64_t kidx[kMaxSpatial];
              kernel_index(geo.kernel, geo.nd, kr, kidx);
              const T* c = col + (oc * KS + kr) * nc;
              const int64_t off = kidx[L] * geo.dilation[L] - geo.pad_begin[L];
              const int64_t s_last = geo.stride[L];
              map.runs(kidx, j0, nc, [&](int64_t rel, int64_t len, int64_t out_row, int64_t s0, int64_t lo, int64_t hi) {
                if (out_row < 0) return;
                T* dst = yp + out_row + off;
                const T* src = c + rel - s0;
                for (int64_t s = lo; s < hi; ++s) dst[s * s_last] += src[s];
              });
            }
          }
        };
        ctx.pool->parallel_for(Mg, 1, [&](int64_t b, int64_t e) { scatter(b, e); });
      }
    }
  }
}

void conv_transpose_kernel(const KernelContext& ctx) {
  ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { conv_transpose_t<decltype(t)>(ctx); });
}

}  // namespace

void register_conv_ops(OpRegistry& r) {
  r.add({"Conv", "", infer_conv, {KernelDef{"ref", conv_kernel, nullptr, 0, conv_scratch}}});
  r.add({"FusedConv", "edgewm", infer_conv_add, {KernelDef{"ref", conv_kernel, nullptr, 0, conv_scratch}}});
  // Its name before activations joined it: .ewm files compiled by earlier versions still load.
  r.add({"ConvAdd", "edgewm", infer_conv_add, {KernelDef{"ref", conv_kernel, nullptr, 0, conv_scratch}}});
  r.add({"ConvTranspose", "", infer_conv_transpose, {KernelDef{"ref", conv_transpose_kernel, nullptr, 0, convt_scratch}}});
}

}  // namespace edgewm
