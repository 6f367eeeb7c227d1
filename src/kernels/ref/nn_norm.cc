// Normalisations (inference): BatchNormalization, InstanceNormalization, LayerNormalization,
// GroupNormalization, LRN. Statistics are accumulated in double.
#include <cmath>

#include "kernels/ref/dispatch.h"
#include "kernels/ref/nn.h"
#include "kernels/ref/movement.h"
#include "kernels/ref/quant.h"

namespace edgewm {

using namespace ref::nn;

namespace {

void expect_same_dtype(const InferContext& ctx, size_t first, size_t last) {
  for (size_t i = first; i <= last; ++i)
    if (ctx.has_input(i) && ctx.dtype(i) != ctx.dtype(0))
      ctx.unsupported(std::string("input ") + std::to_string(i) + " has dtype " + dtype_name(ctx.dtype(i)) +
                      ", the input " + dtype_name(ctx.dtype(0)) + "; mixed dtypes are not supported");
}

void expect_vector(const InferContext& ctx, size_t i, int64_t n, const char* what) {
  const Shape& s = ctx.shape(i);
  if (s.rank() != 1 || s[0] != n)
    ctx.fail(std::string(what) + " has shape " + s.str() + ", expected [" + std::to_string(n) + "]");
}

// Mean and 1/sqrt(var + eps) of n values (two passes, population variance).
template <class T> void moments(const T* x, int64_t n, double eps, double& mean, double& inv_std) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]);
  mean = n ? s / static_cast<double>(n) : 0.0;
  double v = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - mean;
    v += d * d;
  }
  v = n ? v / static_cast<double>(n) : 0.0;
  inv_std = 1.0 / std::sqrt(v + eps);
}

// ---------------------------------------------------------------------------- BatchNormalization

void infer_batch_norm(InferContext& ctx) {
  const int opset = ctx.node().opset;
  ctx.expect_dtype(0, {DType::kF32, DType::kF64});
  expect_same_dtype(ctx, 1, 4);
  const Shape& x = ctx.shape(0);
  if (x.rank() < 2) ctx.fail("input must be [N, C, ...], got " + x.str());
  if (opset < 7 && ctx.attrs().get_int("is_test", 0) == 0)
    ctx.unsupported("is_test=0 (training) is not supported; only inference");
  if (opset < 9 && ctx.attrs().get_int("spatial", 1) != 1)
    ctx.unsupported("spatial=0 (per-activation statistics) is not supported");
  if (opset >= 14 && ctx.attrs().get_int("training_mode", 0) != 0)
    ctx.unsupported("training_mode=1 is not supported; only inference");
  for (size_t i = 1; i < ctx.num_outputs(); ++i)
    if (ctx.has_output(i)) ctx.unsupported("the training outputs (running / saved statistics) are not supported");
  const char* names[] = {"", "scale", "B", "mean", "var"};
  for (size_t i = 1; i <= 4; ++i) expect_vector(ctx, i, x[1], names[i]);
  ctx.set_output(0, ctx.dtype(0), x);
}

template <class T> void batch_norm_t(const KernelContext& ctx) {
  const TensorView& xv = ctx.in(0);
  const int64_t N = xv.shape[0], C = xv.shape[1];
  const int64_t inner = N * C != 0 ? xv.numel() / (N * C) : 0;
  const double eps = ctx.attrs().get_float("epsilon", 1e-5f);
  const T* X = xv.as<T>();
  const T *S = ctx.in(1).as<T>(), *Bi = ctx.in(2).as<T>(), *Mu = ctx.in(3).as<T>(), *Var = ctx.in(4).as<T>();
  T* Y = ctx.out(0).as<T>();
  ctx.pool->parallel_for(N * C, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, inner)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t c = r % C;
      const double a = static_cast<double>(S[c]) / std::sqrt(static_cast<double>(Var[c]) + eps);
      const double mu = static_cast<double>(Mu[c]), bias = static_cast<double>(Bi[c]);
      const T* xp = X + r * inner;
      T* yp = Y + r * inner;
      for (int64_t i = 0; i < inner; ++i) yp[i] = static_cast<T>((static_cast<double>(xp[i]) - mu) * a + bias);
    }
  });
}

void batch_norm_kernel(const KernelContext& ctx) {
  ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { batch_norm_t<decltype(t)>(ctx); });
}

// ---------------------------------------------------------------------------- InstanceNormalization

void infer_instance_norm(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64});
  expect_same_dtype(ctx, 1, 2);
  const Shape& x = ctx.shape(0);
  if (x.rank() < 3) ctx.fail("input must be [N, C, spatial...], got " + x.str());
  expect_vector(ctx, 1, x[1], "scale");
  expect_vector(ctx, 2, x[1], "B");
  ctx.set_output(0, ctx.dtype(0), x);
}

template <class T> void instance_norm_t(const KernelContext& ctx) {
  const TensorView& xv = ctx.in(0);
  const int64_t N = xv.shape[0], C = xv.shape[1];
  const int64_t inner = N * C != 0 ? xv.numel() / (N * C) : 0;
  const double eps = ctx.attrs().get_float("epsilon", 1e-5f);
  const T* X = xv.as<T>();
  const T *S = ctx.in(1).as<T>(), *Bi = ctx.in(2).as<T>();
  T* Y = ctx.out(0).as<T>();
  ctx.pool->parallel_for(N * C, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, inner)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t c = r % C;
      const T* xp = X + r * inner;
      T* yp = Y + r * inner;
      double mean, inv;
      moments(xp, inner, eps, mean, inv);
      const double a = static_cast<double>(S[c]) * inv, bias = static_cast<double>(Bi[c]);
      for (int64_t i = 0; i < inner; ++i) yp[i] = static_cast<T>((static_cast<double>(xp[i]) - mean) * a + bias);
    }
  });
}

void instance_norm_kernel(const KernelContext& ctx) {
  ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { instance_norm_t<decltype(t)>(ctx); });
}

// ---------------------------------------------------------------------------- LayerNormalization

void check_stash_type(const InferContext& ctx) {
  const int64_t stash = ctx.attrs().get_int("stash_type", 1);
  // 1 = float, 11 = double: statistics are computed in double, at least as precise as either.
  if (stash != 1 && stash != 11) ctx.unsupported("stash_type " + std::to_string(stash) + " is not supported (1 or 11)");
}

// Scale / B must broadcast onto the normalised dims X[axis:] (trailing-aligned).
void check_norm_param(const InferContext& ctx, size_t i, const Shape& x, int axis, const char* what) {
  const Shape& s = ctx.shape(i);
  const int nrank = x.rank() - axis;
  if (s.rank() > nrank)
    ctx.unsupported(std::string(what) + " " + s.str() + " has more dims than the normalised part of " + x.str());
  for (int d = 0; d < s.rank(); ++d) {
    const int64_t xd = x[x.rank() - s.rank() + d];
    if (s[d] != xd && s[d] != 1)
      ctx.fail(std::string(what) + " " + s.str() + " does not broadcast to the normalised dims of " + x.str());
  }
}

int layer_norm_axis(const Attributes& a, int rank) {
  int64_t axis = a.get_int("axis", -1);
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

void infer_layer_norm(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64});
  expect_same_dtype(ctx, 1, 2);
  const Shape& x = ctx.shape(0);
  if (x.rank() < 1) ctx.fail("input must have rank >= 1");
  const int axis = normalize_axis(ctx, ctx.attrs().get_int("axis", -1), x.rank());
  check_stash_type(ctx);
  check_norm_param(ctx, 1, x, axis, "Scale");
  if (ctx.has_input(2)) check_norm_param(ctx, 2, x, axis, "B");
  ctx.set_output(0, ctx.dtype(0), x);
  Shape stat = x;
  for (int d = axis; d < x.rank(); ++d) stat[d] = 1;
  ctx.set_output(1, ctx.dtype(0), stat);
  ctx.set_output(2, ctx.dtype(0), stat);
}

// Element offsets of a parameter broadcast over dims [axis, rank) of x, for normalised index j.
struct ParamIndex {
  int nd = 0;
  int64_t dims[Shape::kMaxRank] = {}, strides[Shape::kMaxRank] = {};
  bool dense = false;  // parameter covers the normalised dims exactly
  void init(const Shape& x, int axis, const Shape& p) {
    nd = x.rank() - axis;
    int64_t stride = 1;
    dense = p.numel() == Shape(x.dims().subspan(axis)).numel();
    for (int d = nd - 1; d >= 0; --d) {
      dims[d] = x[axis + d];
      const int pd = p.rank() - (nd - d);
      const int64_t size = pd >= 0 ? p[pd] : 1;
      strides[d] = size == 1 ? 0 : stride;
      stride *= size;
    }
  }
  int64_t at(int64_t j) const {
    if (dense) return j;
    int64_t off = 0;
    for (int d = nd - 1; d >= 0; --d) {
      off += (j % dims[d]) * strides[d];
      j /= dims[d];
    }
    return off;
  }
};

template <class T> void layer_norm_t(const KernelContext& ctx) {
  const TensorView& xv = ctx.in(0);
  const int axis = layer_norm_axis(ctx.attrs(), xv.shape.rank());
  const int64_t inner = Shape(xv.shape.dims().subspan(axis)).numel();
  const int64_t rows = inner ? xv.numel() / inner : 0;
  const double eps = ctx.attrs().get_float("epsilon", 1e-5f);
  ParamIndex si, bi;
  si.init(xv.shape, axis, ctx.in(1).shape);
  const bool has_b = ctx.has_in(2);
  if (has_b) bi.init(xv.shape, axis, ctx.in(2).shape);
  const T* X = xv.as<T>();
  const T* S = ctx.in(1).as<T>();
  const T* Bi = has_b ? ctx.in(2).as<T>() : nullptr;
  T* Y = ctx.out(0).as<T>();
  T* Mean = ctx.outputs.size() > 1 && !ctx.out(1).empty() ? ctx.out(1).as<T>() : nullptr;
  T* Inv = ctx.outputs.size() > 2 && !ctx.out(2).empty() ? ctx.out(2).as<T>() : nullptr;
  ctx.pool->parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, inner)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const T* xp = X + r * inner;
      T* yp = Y + r * inner;
      double mean, inv;
      moments(xp, inner, eps, mean, inv);
      for (int64_t j = 0; j < inner; ++j) {
        double v = (static_cast<double>(xp[j]) - mean) * inv * static_cast<double>(S[si.at(j)]);
        if (Bi) v += static_cast<double>(Bi[bi.at(j)]);
        yp[j] = static_cast<T>(v);
      }
      if (Mean) Mean[r] = static_cast<T>(mean);
      if (Inv) Inv[r] = static_cast<T>(inv);
    }
  });
}

void layer_norm_kernel(const KernelContext& ctx) {
  ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { layer_norm_t<decltype(t)>(ctx); });
}

// ---------------------------------------------------------------------------- GroupNormalization

// What both GroupNorm forms check: [N, C, spatial...] input, num_groups dividing C.
int64_t infer_groups(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64});
  expect_same_dtype(ctx, 1, 2);
  const Shape& x = ctx.shape(0);
  if (x.rank() < 3) ctx.fail("input must be [N, C, spatial...], got " + x.str());
  const int64_t groups = ctx.attrs().require_int("num_groups");
  if (groups < 1 || x[1] % groups != 0)
    ctx.fail("num_groups " + std::to_string(groups) + " does not divide the " + std::to_string(x[1]) + " channels");
  return groups;
}

void infer_group_norm(InferContext& ctx) {
  const int64_t groups = infer_groups(ctx);
  const Shape& x = ctx.shape(0);
  check_stash_type(ctx);
  // Opset 18 scales each group; opset 21 each channel.
  const int64_t n = ctx.node().opset >= 21 ? x[1] : groups;
  const char* what = ctx.node().opset >= 21 ? "scale (one per channel from opset 21)" : "scale (one per group in opset 18)";
  expect_vector(ctx, 1, n, what);
  expect_vector(ctx, 2, n, ctx.node().opset >= 21 ? "bias (one per channel from opset 21)" : "bias (one per group in opset 18)");
  ctx.set_output(0, ctx.dtype(0), x);
}

// Scale and bias per group (ONNX opset 18) or per channel (opset 21, edgewm.GroupNorm), then
// SiLU when asked.
template <class T>
void group_norm_rows(const KernelContext& ctx, const T* X, const T* S, const T* Bi, T* Y, bool per_channel, bool silu) {
  const Shape& shape = ctx.in(0).shape;
  const int64_t N = shape[0], C = shape[1];
  const int64_t G = ctx.attrs().get_int("num_groups", 1);
  const int64_t spatial = N * C != 0 ? shape.numel() / (N * C) : 0;
  const int64_t cg = C / G, inner = cg * spatial;
  const double eps = ctx.attrs().get_float("epsilon", 1e-5f);
  ctx.pool->parallel_for(N * G, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, inner)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t g = r % G;
      const T* xp = X + r * inner;
      T* yp = Y + r * inner;
      double mean, inv;
      moments(xp, inner, eps, mean, inv);
      for (int64_t c = 0; c < cg; ++c) {
        const int64_t p = per_channel ? g * cg + c : g;
        const double a = static_cast<double>(S[p]) * inv, bias = static_cast<double>(Bi[p]);
        const T* xc = xp + c * spatial;
        T* yc = yp + c * spatial;
        for (int64_t i = 0; i < spatial; ++i) {
          const double v = (static_cast<double>(xc[i]) - mean) * a + bias;
          yc[i] = static_cast<T>(silu ? v / (1 + std::exp(-v)) : v);
        }
      }
    }
  });
}
template <class T> void group_norm_t(const KernelContext& ctx, bool per_channel, bool silu) {
  group_norm_rows(ctx, ctx.in(0).as<T>(), ctx.in(1).as<T>(), ctx.in(2).as<T>(), ctx.out(0).as<T>(), per_channel, silu);
}

void group_norm_kernel(const KernelContext& ctx) {
  ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { group_norm_t<decltype(t)>(ctx, ctx.node->opset >= 21, false); });
}

// ------------------------------------------------------- edgewm.GroupNorm (fusion result)
// GroupNorm with a per-channel scale and bias and an optional SiLU, the form the compiler's
// fusion pass gives the exported Reshape -> InstanceNormalization -> Reshape -> Mul -> Add
// (-> Sigmoid -> Mul) chain. Attributes: num_groups, epsilon, activation ("none" | "silu").

// With the optional inputs 3-6 (x_scale, x_zero_point, y_scale, y_zero_point: what the
// fuse-qdq-norm pass folds in), x is u8/s8, dequantised as DequantizeLinear does, and/or y is
// quantised as QuantizeLinear does (to y_zero_point's type, u8 without one), per tensor; the
// float32 math between them is the same. Optional input 7 (x_add, f32 [1 or N, C, 1...]: a
// per-channel value added to the (dequantised) input first, as a float Add before the
// GroupNorm would: a UNet's time embedding, what fuse-qdq-norm folds in with the DQ before it).
enum : size_t { kGnXScale = 3, kGnXZero = 4, kGnYScale = 5, kGnYZero = 6, kGnXAdd = 7 };

void infer_fused_group_norm(InferContext& ctx) {
  const bool qx = ctx.has_input(kGnXScale), qy = ctx.has_input(kGnYScale);
  if (qx) {
    ctx.expect_dtype(0, {DType::kU8, DType::kI8});
    if (ctx.has_input(kGnXZero) && ctx.dtype(kGnXZero) != ctx.dtype(0)) ctx.fail("x_zero_point's type differs from x's");
  }
  for (size_t i : {kGnXScale, kGnXZero, kGnYScale, kGnYZero})
    if (ctx.has_input(i) && ctx.shape(i).numel() != 1) ctx.fail("quantisation parameters must be one value (per tensor)");
  for (size_t i : {kGnXScale, kGnYScale})
    if (ctx.has_input(i) && ctx.dtype(i) != DType::kF32) ctx.fail("scales must be f32");
  if (ctx.has_input(kGnYZero) && (!qy || (ctx.dtype(kGnYZero) != DType::kU8 && ctx.dtype(kGnYZero) != DType::kI8)))
    ctx.fail("y_zero_point must be u8 or i8, with a y_scale");
  const Shape& x = ctx.shape(0);
  if (qx) {
    if (x.rank() < 3) ctx.fail("input must be [N, C, spatial...], got " + x.str());
    const int64_t groups = ctx.attrs().require_int("num_groups");
    if (groups < 1 || x[1] % groups != 0)
      ctx.fail("num_groups " + std::to_string(groups) + " does not divide the " + std::to_string(x[1]) + " channels");
    ctx.expect_dtype(1, {DType::kF32});
    ctx.expect_dtype(2, {DType::kF32});
  } else {
    infer_groups(ctx);
  }
  const std::string_view act = ctx.attrs().get_string("activation", "none");
  if (act != "none" && act != "silu") ctx.fail("activation must be none or silu, got '" + std::string(act) + "'");
  expect_vector(ctx, 1, x[1], "scale (one per channel)");
  expect_vector(ctx, 2, x[1], "bias (one per channel)");
  if (qy && (qx ? ctx.dtype(1) : ctx.dtype(0)) != DType::kF32) ctx.fail("a quantised output needs f32 math");
  if (ctx.has_input(kGnXAdd)) {
    const Shape& t = ctx.shape(kGnXAdd);
    bool per_channel = ctx.dtype(kGnXAdd) == DType::kF32 && ctx.dtype(1) == DType::kF32 && t.rank() == x.rank() &&
                       (t[0] == 1 || t[0] == x[0]) && t[1] == x[1];
    for (int d = 2; d < t.rank() && per_channel; ++d) per_channel = t[d] == 1;
    if (!per_channel) ctx.fail("x_add " + t.str() + " must be f32 [1 or N, C, 1...] for input " + x.str());
  }
  const DType out = qy ? (ctx.has_input(kGnYZero) ? ctx.dtype(kGnYZero) : DType::kU8) : (qx ? ctx.dtype(1) : ctx.dtype(0));
  ctx.set_output(0, out, x);
}

void fused_group_norm_kernel(const KernelContext& ctx) {
  const bool silu = ctx.attrs().get_string("activation", "none") == "silu";
  const bool qx = ctx.has_in(kGnXScale), qy = ctx.has_in(kGnYScale), add = ctx.has_in(kGnXAdd);
  if (!qx && !qy && !add) {
    ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { group_norm_t<decltype(t)>(ctx, true, silu); });
    return;
  }
  auto param = [&](size_t i) { return ctx.has_in(i) ? ref::mv::load_as_double(ctx.in(i), 0) : 0.0; };
  const int64_t n = ctx.in(0).numel();
  std::vector<float> x(static_cast<size_t>(n)), y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    x[static_cast<size_t>(i)] = qx ? ref::quant::dequantize_value(ref::mv::load_as_double(ctx.in(0), i), static_cast<float>(param(kGnXZero)),
                                                                  static_cast<float>(param(kGnXScale)))
                                   : ctx.in(0).as<float>()[i];
  if (add) {  // x + x_add[n or 0, c]
    const TensorView& t = ctx.in(kGnXAdd);
    const int64_t C = ctx.in(0).shape[1], plane = n / std::max<int64_t>(1, ctx.in(0).shape[0] * C);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t nc = i / std::max<int64_t>(1, plane);
      x[static_cast<size_t>(i)] += t.as<float>()[t.shape[0] == 1 ? nc % C : nc];
    }
  }
  group_norm_rows(ctx, x.data(), ctx.in(1).as<float>(), ctx.in(2).as<float>(), qy ? y.data() : ctx.out(0).as<float>(), true, silu);
  if (!qy) return;
  const DType yt = ctx.out(0).dtype;
  int64_t lo, hi;
  ref::quant::int_range(yt, lo, hi);
  const float ys = static_cast<float>(param(kGnYScale));
  const int64_t yz = static_cast<int64_t>(param(kGnYZero));
  char* out = static_cast<char*>(ctx.out(0).data);
  for (int64_t i = 0; i < n; ++i)
    ref::mv::store_from_double(yt, out + i * static_cast<int64_t>(dtype_size(yt)), ref::quant::quantize_value(y[static_cast<size_t>(i)], ys, yz, lo, hi));
}

// ---------------------------------------------------------------------------- LRN

void infer_lrn(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64});
  const Shape& x = ctx.shape(0);
  if (x.rank() < 3) ctx.fail("input must be [N, C, spatial...], got " + x.str());
  if (ctx.attrs().require_int("size") < 1) ctx.fail("size must be positive");
  ctx.set_output(0, ctx.dtype(0), x);
}

template <class T> void lrn_t(const KernelContext& ctx) {
  const TensorView& xv = ctx.in(0);
  const int64_t N = xv.shape[0], C = xv.shape[1];
  const int64_t spatial = N * C != 0 ? xv.numel() / (N * C) : 0;
  const int64_t size = ctx.attrs().get_int("size", 1);
  const double alpha = ctx.attrs().get_float("alpha", 1e-4f), beta = ctx.attrs().get_float("beta", 0.75f),
               bias = ctx.attrs().get_float("bias", 1.0f);
  const int64_t before = (size - 1) / 2, after = size - 1 - before;  // floor and ceil of (size-1)/2
  const T* X = xv.as<T>();
  T* Y = ctx.out(0).as<T>();
  ctx.pool->parallel_for(N * C, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, spatial * size)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t n = r / C, c = r % C;
      const int64_t c0 = std::max<int64_t>(0, c - before), c1 = std::min<int64_t>(C - 1, c + after);
      for (int64_t i = 0; i < spatial; ++i) {
        double sq = 0;
        for (int64_t k = c0; k <= c1; ++k) {
          const double v = static_cast<double>(X[(n * C + k) * spatial + i]);
          sq += v * v;
        }
        const double x = static_cast<double>(X[r * spatial + i]);
        Y[r * spatial + i] = static_cast<T>(x / std::pow(bias + alpha / static_cast<double>(size) * sq, beta));
      }
    }
  });
}

void lrn_kernel(const KernelContext& ctx) {
  ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { lrn_t<decltype(t)>(ctx); });
}

}  // namespace

void register_norm_ops(OpRegistry& r) {
  r.add({"BatchNormalization", "", infer_batch_norm, {KernelDef{"ref", batch_norm_kernel}}});
  r.add({"InstanceNormalization", "", infer_instance_norm, {KernelDef{"ref", instance_norm_kernel}}});
  r.add({"LayerNormalization", "", infer_layer_norm, {KernelDef{"ref", layer_norm_kernel}}});
  r.add({"GroupNormalization", "", infer_group_norm, {KernelDef{"ref", group_norm_kernel}}});
  r.add({"LRN", "", infer_lrn, {KernelDef{"ref", lrn_kernel}}});
  r.add({"GroupNorm", "edgewm", infer_fused_group_norm, {KernelDef{"ref", fused_group_norm_kernel}}, false, false,
         std::vector<std::string>{"num_groups", "epsilon", "activation"}});
}

}  // namespace edgewm
