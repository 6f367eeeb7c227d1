// Elementwise unary math and activations. Each op is a scalar function applied in the input's
// own float type; integer support is listed per op.
#include <algorithm>
#include <cmath>
#include <limits>

#include "edgewm/thread_pool.h"
#include "ir/op_registry.h"
#include "kernels/ref/dispatch.h"
#include "kernels/register_ops.h"

namespace edgewm {

namespace {

// y[i] = f(x[i]) in chunks over the threads (large feature maps).
template <class T, class F> void map_elements(const KernelContext& c, F f) {
  const T* x = static_cast<const T*>(c.in(0).data);
  T* y = static_cast<T*>(c.out(0).data);
  c.pool->parallel_for(c.in(0).numel(), 32768, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = static_cast<T>(f(x[i]));
  });
}

template <class F> void apply_float(const KernelContext& c, F f) {
  ref::dispatch_float(c.in(0).dtype, [&](auto tag) { map_elements<decltype(tag)>(c, f); });
}

template <class F> void apply_signed(const KernelContext& c, F f) {
  ref::dispatch_numeric(c.in(0).dtype, [&](auto tag) { map_elements<decltype(tag)>(c, f); });
}

void infer_float(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64});
  ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
}

void infer_numeric(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kI8, DType::kI16, DType::kI32, DType::kI64, DType::kU8,
                       DType::kU16, DType::kU32, DType::kU64});
  ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
}

void infer_gelu(InferContext& ctx) {
  std::string_view approx = ctx.attrs().get_string("approximate", "none");
  if (approx != "none" && approx != "tanh") ctx.unsupported("approximate='" + std::string(approx) + "'");
  infer_float(ctx);
}

void infer_predicate(InferContext& ctx) {  // IsNaN, IsInf
  ctx.expect_dtype(0, {DType::kF32, DType::kF64});
  ctx.set_output(0, DType::kBool, ctx.shape(0));
}

void infer_not(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kBool});
  ctx.set_output(0, DType::kBool, ctx.shape(0));
}

template <class T> T sigmoid(T x) { return x >= 0 ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x)); }
template <class T> T softplus(T x) { return x > 20 ? x : std::log1p(std::exp(x)); }

void add(OpRegistry& r, const char* op, InferFn infer, KernelFn fn) {
  OpSchema s;
  s.op_type = op;
  s.infer = infer;
  s.kernels.push_back(KernelDef{"ref", fn});
  r.add(std::move(s));
}

}  // namespace

void register_unary_ops(OpRegistry& r) {
  // Integer-capable.
  add(r, "Abs", infer_numeric, [](const KernelContext& c) {
    apply_signed(c, [](auto x) { return x < 0 ? -x : x; });
  });
  add(r, "Neg", infer_numeric, [](const KernelContext& c) { apply_signed(c, [](auto x) { return -x; }); });
  add(r, "Sign", infer_numeric, [](const KernelContext& c) {
    apply_signed(c, [](auto x) { return static_cast<decltype(x)>((x > 0) - (x < 0)); });
  });
  add(r, "Relu", infer_numeric, [](const KernelContext& c) {
    apply_signed(c, [](auto x) { return x > 0 ? x : decltype(x){0}; });
  });
  // Float math.
  add(r, "Exp", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return std::exp(x); }); });
  add(r, "Log", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return std::log(x); }); });
  add(r, "Sqrt", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return std::sqrt(x); }); });
  add(r, "Reciprocal", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return 1 / x; }); });
  add(r, "Floor", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return std::floor(x); }); });
  add(r, "Ceil", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return std::ceil(x); }); });
  // Round half to even: nearbyint under the default rounding mode.
  add(r, "Round", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return std::nearbyint(x); }); });
  add(r, "Erf", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return std::erf(x); }); });
  add(r, "Sin", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return std::sin(x); }); });
  add(r, "Cos", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return std::cos(x); }); });
  add(r, "Tan", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return std::tan(x); }); });
  add(r, "Asin", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return std::asin(x); }); });
  add(r, "Acos", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return std::acos(x); }); });
  add(r, "Atan", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return std::atan(x); }); });
  add(r, "Sinh", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return std::sinh(x); }); });
  add(r, "Cosh", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return std::cosh(x); }); });
  add(r, "Asinh", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return std::asinh(x); }); });
  add(r, "Acosh", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return std::acosh(x); }); });
  add(r, "Atanh", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return std::atanh(x); }); });
  // Activations.
  add(r, "Sigmoid", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return sigmoid(x); }); });
  {  // edgewm.Silu: x * sigmoid(x), what the compiler fuses Sigmoid + Mul into.
    OpSchema silu;
    silu.op_type = "Silu";
    silu.domain = "edgewm";
    silu.attributes.emplace();  // none
    silu.infer = infer_float;
    silu.kernels.push_back(KernelDef{"ref", [](const KernelContext& c) { apply_float(c, [](auto x) { return x * sigmoid(x); }); }});
    r.add(std::move(silu));
  }
  add(r, "Tanh", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return std::tanh(x); }); });
  add(r, "Softplus", infer_float, [](const KernelContext& c) { apply_float(c, [](auto x) { return softplus(x); }); });
  add(r, "Softsign", infer_float, [](const KernelContext& c) {
    apply_float(c, [](auto x) { return x / (1 + std::abs(x)); });
  });
  add(r, "Mish", infer_float, [](const KernelContext& c) {
    apply_float(c, [](auto x) { return x * std::tanh(softplus(x)); });
  });
  add(r, "HardSwish", infer_float, [](const KernelContext& c) {
    // The spec's alpha = 1/6 as a product: a division per element cost 4x the rest.
    apply_float(c, [](auto x) {
      using T = decltype(x);
      const T t = x * T(1.0 / 6.0) + T(0.5);
      return x * (t < T(0) ? T(0) : t > T(1) ? T(1) : t);  // std::clamp, but vectorisable; NaN stays
    });
  });
  add(r, "HardSigmoid", infer_float, [](const KernelContext& c) {
    const double a = c.attrs().get_float("alpha", 0.2f), b = c.attrs().get_float("beta", 0.5f);
    apply_float(c, [=](auto x) { return std::clamp(a * x + b, 0.0, 1.0); });
  });
  add(r, "LeakyRelu", infer_float, [](const KernelContext& c) {
    const double a = c.attrs().get_float("alpha", 0.01f);
    apply_float(c, [=](auto x) { return x < 0 ? a * x : double(x); });
  });
  add(r, "Elu", infer_float, [](const KernelContext& c) {
    const double a = c.attrs().get_float("alpha", 1.f);
    apply_float(c, [=](auto x) { return x < 0 ? a * std::expm1(double(x)) : double(x); });
  });
  add(r, "Celu", infer_float, [](const KernelContext& c) {
    const double a = c.attrs().get_float("alpha", 1.f);
    apply_float(c, [=](auto x) { return std::max(0.0, double(x)) + std::min(0.0, a * std::expm1(double(x) / a)); });
  });
  add(r, "Selu", infer_float, [](const KernelContext& c) {
    const double a = c.attrs().get_float("alpha", 1.67326319217681884765625f);
    const double g = c.attrs().get_float("gamma", 1.05070102214813232421875f);
    apply_float(c, [=](auto x) { return x <= 0 ? g * a * std::expm1(double(x)) : g * double(x); });
  });
  add(r, "ThresholdedRelu", infer_float, [](const KernelContext& c) {
    const double a = c.attrs().get_float("alpha", 1.f);
    apply_float(c, [=](auto x) { return double(x) > a ? double(x) : 0.0; });
  });
  add(r, "Gelu", infer_gelu, [](const KernelContext& c) {
    if (c.attrs().get_string("approximate", "none") == "tanh") {
      apply_float(c, [](auto x) {
        double v = x;
        return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
      });
    } else {
      apply_float(c, [](auto x) { return 0.5 * double(x) * (1 + std::erf(double(x) / std::sqrt(2.0))); });
    }
  });
  add(r, "IsNaN", infer_predicate, [](const KernelContext& c) {
    ref::dispatch_float(c.in(0).dtype, [&](auto tag) {
      using T = decltype(tag);
      const T* x = static_cast<const T*>(c.in(0).data);
      bool* y = static_cast<bool*>(c.out(0).data);
      for (int64_t i = 0; i < c.in(0).numel(); ++i) y[i] = std::isnan(x[i]);
    });
  });
  add(r, "IsInf", infer_predicate, [](const KernelContext& c) {
    const bool pos = c.attrs().get_int("detect_positive", 1), neg = c.attrs().get_int("detect_negative", 1);
    ref::dispatch_float(c.in(0).dtype, [&](auto tag) {
      using T = decltype(tag);
      const T* x = static_cast<const T*>(c.in(0).data);
      bool* y = static_cast<bool*>(c.out(0).data);
      for (int64_t i = 0; i < c.in(0).numel(); ++i) y[i] = std::isinf(x[i]) && ((x[i] > 0 && pos) || (x[i] < 0 && neg));
    });
  });
  add(r, "Not", infer_not, [](const KernelContext& c) {
    const bool* x = static_cast<const bool*>(c.in(0).data);
    bool* y = static_cast<bool*>(c.out(0).data);
    for (int64_t i = 0; i < c.in(0).numel(); ++i) y[i] = !x[i];
  });
}

}  // namespace edgewm
