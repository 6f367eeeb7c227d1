// Conv and ConvTranspose (N-d, groups, strides, dilations, pads, auto_pad), f32 and f64: the
// references are direct loops (the oracle); the fast drivers are in kernels/conv/.
#include <cmath>
#include <limits>

#include "kernels/ref/dispatch.h"
#include "kernels/ref/grid_map.h"
#include "kernels/ref/nn.h"

namespace edgewm {

using namespace ref::nn;

namespace {

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
  if (x[1] % group != 0 || w[1] != x[1] / group)  // divided: w[1] * group can wrap for a hostile group
    ctx.fail("input has " + std::to_string(x[1]) + " channels, weights " + w.str() + " with group " +
             std::to_string(group) + " expect " + std::to_string(x[1] / group) + " per group");
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
      for (int64_t i = 0; i < n; ++i) {
        const float t = (y[i] < lo || lo != lo) ? lo : y[i];
        y[i] = (t > hi || hi != hi) ? hi : t;
      }
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
      if (vector_row) return vector_row(y, y, n);
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

namespace {

// The oracle: direct loops over every output, input channel and kernel tap, accumulated in the
// input's type, then bias, edgewm.FusedConv's addend and activation (libm's exp for sigmoid and
// silu). No blocking, no packing, no CPU detection.
template <class T> void conv_naive(const KernelContext& ctx) {
  const TensorView& xv = ctx.in(0);
  const TensorView& wv = ctx.in(1);
  Window win;
  bool unsupported = false;
  compute_window(ctx.attrs(), xv.shape, wv.shape.dims().subspan(2), false, true, win, &unsupported);
  const int64_t N = xv.shape[0], C = xv.shape[1], M = wv.shape[0];
  const int64_t G = ctx.attrs().get_int("group", 1), Cg = C / G, Mg = M / G;
  const int64_t KS = win.kernel_size(), IHW = win.in_size(), OHW = win.out_size();
  const T* X = xv.as<T>();
  const T* W = wv.as<T>();
  const T* B = ctx.has_in(2) ? ctx.in(2).as<T>() : nullptr;
  T* Y = ctx.out(0).as<T>();
  ConvAddend z;
  ConvActivation act;
  if constexpr (std::is_same_v<T, float>) {
    z = conv_addend(ctx, N, M, OHW);
    act = ConvActivation::of(ctx.attrs());
  }
  int64_t o[kMaxSpatial];
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m) {
      const int64_t g = m / Mg;
      T* y = Y + (n * M + m) * OHW;
      for (int64_t p = 0; p < OHW; ++p) {
        unravel_output(win, p, o);
        T acc = B ? B[m] : T(0);
        for (int64_t c = 0; c < Cg; ++c)
          for (int64_t t = 0; t < KS; ++t) {
            const int64_t at = tap_input_offset(win, o, t);
            if (at >= 0) acc += X[(n * C + g * Cg + c) * IHW + at] * W[(m * Cg + c) * KS + t];
          }
        y[p] = acc;
      }
      if constexpr (std::is_same_v<T, float>) {
        const float* plane = z.plane(n, m);
        const float v = z.channel(n, m);
        for (int64_t p = 0; p < OHW; ++p) y[p] += plane ? plane[p] : v;
        act.apply(y, OHW);
      }
    }
}

void conv_kernel(const KernelContext& ctx) {
  ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { conv_naive<decltype(t)>(ctx); });
}

}  // namespace


// ---------------------------------------------------------------------------- ConvTranspose

namespace ref::nn {

std::string convt_geometry(const Attributes& a, const Shape& x, const Shape& w, Window& g, bool* unsupported) {
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
    // Output size with no padding; every step checked for 64-bit overflow (hostile attributes).
    int64_t dk = 0, natural = 0;
    if (g.kernel[d] < 1 || __builtin_mul_overflow(g.kernel[d] - 1, g.dilation[d], &dk) ||
        __builtin_mul_overflow(g.stride[d], g.in[d] - 1, &natural) ||
        __builtin_add_overflow(natural, op + 1, &natural) || __builtin_add_overflow(natural, dk, &natural))
      return "kernel " + w.str() + ", strides " + ints_str(strides) + " and dilations " + ints_str(dilations) +
             " give an output larger than any tensor";
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

}  // namespace ref::nn

namespace {

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
  int64_t out_channels = 0;
  if (__builtin_mul_overflow(w[1], group, &out_channels) || checked_tensor_bytes(ctx.dtype(0), Shape{out_channels}) < 0)
    ctx.fail("weights " + w.str() + " with group " + std::to_string(group) + " give more output channels than any tensor");
  check_bias(ctx, out_channels);
  Window g;
  bool unsupported = false;
  std::string err = convt_geometry(ctx.attrs(), x, w, g, &unsupported);
  if (!err.empty()) {
    if (unsupported) ctx.unsupported(err);
    ctx.fail(err);
  }
  Shape out{x[0], out_channels};
  for (int d = 0; d < g.nd; ++d) out.push_back(g.out[d]);
  ctx.set_output(0, ctx.dtype(0), out);
}

// The oracle, gathered: each output sums over input channels and kernel taps the inputs that
// land on it (o = i * stride - pad + k * dilation), in the input's type, plus the bias.
template <class T> void conv_transpose_naive(const KernelContext& ctx) {
  const TensorView& xv = ctx.in(0);
  const TensorView& wv = ctx.in(1);
  Window geo;
  bool unsupported = false;
  convt_geometry(ctx.attrs(), xv.shape, wv.shape, geo, &unsupported);
  const int nd = geo.nd;
  const int64_t N = xv.shape[0], C = xv.shape[1];
  const int64_t G = ctx.attrs().get_int("group", 1);
  const int64_t Cg = C / G, Mg = wv.shape[1], M = Mg * G;
  const int64_t KS = geo.kernel_size(), IHW = geo.in_size(), OHW = geo.out_size();
  const T* X = xv.as<T>();
  const T* W = wv.as<T>();  // [C, Mg, kernel...]
  const T* B = ctx.has_in(2) ? ctx.in(2).as<T>() : nullptr;
  T* Y = ctx.out(0).as<T>();
  int64_t o[kMaxSpatial], k[kMaxSpatial];
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m) {
      const int64_t g = m / Mg, mg = m % Mg;
      for (int64_t p = 0; p < OHW; ++p) {
        for (int64_t r = p, d = nd - 1; d >= 0; --d) {
          o[d] = r % geo.out[d];
          r /= geo.out[d];
        }
        T acc = B ? B[m] : T(0);
        for (int64_t t = 0; t < KS; ++t) {
          for (int64_t r = t, d = nd - 1; d >= 0; --d) {
            k[d] = r % geo.kernel[d];
            r /= geo.kernel[d];
          }
          int64_t at = 0;
          bool hit = true;
          for (int d = 0; d < nd && hit; ++d) {
            const int64_t q = o[d] + geo.pad_begin[d] - k[d] * geo.dilation[d];  // = i * stride
            hit = q >= 0 && q % geo.stride[d] == 0 && q / geo.stride[d] < geo.in[d];
            at = at * geo.in[d] + q / geo.stride[d];
          }
          if (!hit) continue;
          for (int64_t c = 0; c < Cg; ++c)
            acc += X[(n * C + g * Cg + c) * IHW + at] * W[((g * Cg + c) * Mg + mg) * KS + t];
        }
        Y[(n * M + m) * OHW + p] = acc;
      }
    }
}

void conv_transpose_kernel(const KernelContext& ctx) {
  ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { conv_transpose_naive<decltype(t)>(ctx); });
}

}  // namespace

void register_conv_ops(OpRegistry& r) {
  r.add({"Conv", "", infer_conv, {KernelDef{"ref", conv_kernel, nullptr, 0, nullptr}}});
  const std::vector<std::string> fused_attrs = {"auto_pad",       "dilations",      "group",          "kernel_shape",
                                                "pads",           "strides",        "activation",     "activation_min",
                                                "activation_max", "activation_alpha", "activation_beta"};
  r.add({"FusedConv", "edgewm", infer_conv_add, {KernelDef{"ref", conv_kernel, nullptr, 0, nullptr}}, false, false,
         fused_attrs});
  // Its name before activations joined it: .ewm files compiled by earlier versions still load.
  r.add({"ConvAdd", "edgewm", infer_conv_add, {KernelDef{"ref", conv_kernel, nullptr, 0, nullptr}}, false, false,
         fused_attrs});
  r.add({"ConvTranspose", "", infer_conv_transpose, {KernelDef{"ref", conv_transpose_kernel}}});
}

}  // namespace edgewm
