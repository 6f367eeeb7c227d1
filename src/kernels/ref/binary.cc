// Broadcasting elementwise ops with two or more operands, plus Clip and Cast.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "edgewm/thread_pool.h"
#include "ir/op_registry.h"
#include "kernels/ref/dispatch.h"
#include "kernels/register_ops.h"
#include "kernels/ref/strided.h"

namespace edgewm {

namespace {

constexpr std::initializer_list<DType> kNumeric = {DType::kF32, DType::kF64, DType::kI8,  DType::kI16, DType::kI32,
                                                   DType::kI64, DType::kU8,  DType::kU16, DType::kU32, DType::kU64};

// out[i] = f(a[...], b[...]) with broadcasting; A, B, O are element types.
template <class A, class B, class O, class F>
void broadcast2(const TensorView& a, const TensorView& b, const TensorView& out, F f) {
  auto plan = ref::plan_broadcast<2>(out.shape, {&a.shape, &b.shape});
  const A* pa = static_cast<const A*>(a.data);
  const B* pb = static_cast<const B*>(b.data);
  O* po = static_cast<O*>(out.data);
  ref::for_each_run(plan, [&](const std::array<int64_t, 2>& off, int64_t o, int64_t n, const std::array<int64_t, 2>& st) {
    const A* x = pa + off[0];
    const B* y = pb + off[1];
    O* z = po + o;
    if (st[0] == 1 && st[1] == 1) {
      for (int64_t i = 0; i < n; ++i) z[i] = f(x[i], y[i]);
    } else if (st[0] == 1 && st[1] == 0) {
      const B yv = *y;
      for (int64_t i = 0; i < n; ++i) z[i] = f(x[i], yv);
    } else if (st[0] == 0 && st[1] == 1) {
      const A xv = *x;
      for (int64_t i = 0; i < n; ++i) z[i] = f(xv, y[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) z[i] = f(x[i * st[0]], y[i * st[1]]);
    }
  });
}

void infer_same_type_broadcast(InferContext& ctx, std::initializer_list<DType> allowed, DType out) {
  ctx.expect_dtype(0, allowed);
  Shape s = ctx.shape(0);
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    if (ctx.dtype(i) != ctx.dtype(0))
      ctx.fail("input " + std::to_string(i) + " is " + dtype_name(ctx.dtype(i)) + ", input 0 is " + dtype_name(ctx.dtype(0)));
    s = broadcast_shapes(ctx, s, ctx.shape(i));
  }
  ctx.set_output(0, out == DType::kUndefined ? ctx.dtype(0) : out, s);
}

void infer_arith(InferContext& ctx) { infer_same_type_broadcast(ctx, kNumeric, DType::kUndefined); }
void infer_compare(InferContext& ctx) {
  auto allowed = {DType::kF32, DType::kF64, DType::kI8, DType::kI16, DType::kI32, DType::kI64, DType::kU8, DType::kU16,
                  DType::kU32, DType::kU64, DType::kBool};
  infer_same_type_broadcast(ctx, allowed, DType::kBool);
}
void infer_same_type_broadcast_float(InferContext& ctx) {
  infer_same_type_broadcast(ctx, {DType::kF32, DType::kF64}, DType::kUndefined);
}
void infer_logic(InferContext& ctx) { infer_same_type_broadcast(ctx, {DType::kBool}, DType::kBool); }

template <class Op> void arith_kernel(const KernelContext& c) {
  ref::dispatch_numeric(c.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    broadcast2<T, T, T>(c.in(0), c.in(1), c.out(0), [](T x, T y) { return static_cast<T>(Op::apply(x, y)); });
  });
}

struct AddOp { template <class T> static T apply(T x, T y) { return x + y; } };
struct SubOp { template <class T> static T apply(T x, T y) { return x - y; } };
struct MulOp { template <class T> static T apply(T x, T y) { return x * y; } };
// Integer division traps on x / 0 and on INT_MIN / -1 (the quotient does not fit): x / 0 gives 0,
// and x / -1 is -x computed in unsigned arithmetic, so INT_MIN / -1 wraps to INT_MIN as numpy's
// does.
template <class T> T negate_wrapping(T x) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(U(0) - static_cast<U>(x));
}
struct DivOp {
  template <class T> static T apply(T x, T y) {
    if constexpr (std::is_integral_v<T>) {
      if (y == 0) return T(0);
      if constexpr (std::is_signed_v<T>)
        if (y == T(-1)) return negate_wrapping(x);
      return static_cast<T>(x / y);
    } else {
      return x / y;
    }
  }
};
struct MaxOp { template <class T> static T apply(T x, T y) { return std::isnan(double(x)) || x > y ? x : y; } };
struct MinOp { template <class T> static T apply(T x, T y) { return std::isnan(double(x)) || x < y ? x : y; } };

// Sum, Mean, Max, Min take 1..N inputs: out = in0, then out = op(out, in_k).
template <class Op> void variadic_kernel(const KernelContext& c) {
  ref::dispatch_numeric(c.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    Shape one;  // scalar "identity" operand for the broadcast copy of input 0
    T zero{};
    TensorView id{&zero, c.in(0).dtype, one};
    broadcast2<T, T, T>(c.in(0), id, c.out(0), [](T x, T) { return x; });
    for (size_t k = 1; k < c.inputs.size(); ++k)
      broadcast2<T, T, T>(c.out(0), c.in(k), c.out(0), [](T x, T y) { return static_cast<T>(Op::apply(x, y)); });
  });
}

template <class Cmp> void compare_kernel(const KernelContext& c) {
  if (c.in(0).dtype == DType::kBool) {
    broadcast2<bool, bool, bool>(c.in(0), c.in(1), c.out(0), [](bool x, bool y) { return Cmp::apply(x, y); });
    return;
  }
  ref::dispatch_numeric(c.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    broadcast2<T, T, bool>(c.in(0), c.in(1), c.out(0), [](T x, T y) { return Cmp::apply(x, y); });
  });
}
struct EqOp { template <class T> static bool apply(T x, T y) { return x == y; } };
struct LtOp { template <class T> static bool apply(T x, T y) { return x < y; } };
struct GtOp { template <class T> static bool apply(T x, T y) { return x > y; } };
struct LeOp { template <class T> static bool apply(T x, T y) { return x <= y; } };
struct GeOp { template <class T> static bool apply(T x, T y) { return x >= y; } };

// Pow allows a different exponent type. Integer ** integer is exact and wraps modulo 2^bits as
// numpy.power (ONNX's reference) does; otherwise computed in double and stored in the base's type,
// saturating for integers (a cast of an out-of-range double would be undefined behaviour).
template <class To> To convert(double v);
template <class A, class B> A power(A x, B y) {
  if constexpr (std::is_integral_v<A> && std::is_integral_v<B>) {
    if (y >= 0) {
      using U = std::make_unsigned_t<A>;
      U base = static_cast<U>(x), r = 1;
      for (auto e = static_cast<std::make_unsigned_t<B>>(y); e; e >>= 1, base = static_cast<U>(base * base))
        if (e & 1) r = static_cast<U>(r * base);
      return static_cast<A>(r);
    }
  }
  const double v = std::pow(double(x), double(y));
  if constexpr (std::is_integral_v<A>) return convert<A>(v);
  else return static_cast<A>(v);
}

void infer_pow(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kI32, DType::kI64});
  ctx.expect_dtype(1, {DType::kF32, DType::kF64, DType::kI32, DType::kI64});
  ctx.set_output(0, ctx.dtype(0), broadcast_shapes(ctx, ctx.shape(0), ctx.shape(1)));
}
void pow_kernel(const KernelContext& c) {
  ref::dispatch_numeric(c.in(0).dtype, [&](auto base) {
    using A = decltype(base);
    ref::dispatch_numeric(c.in(1).dtype, [&](auto exponent) {
      using B = decltype(exponent);
      broadcast2<A, B, A>(c.in(0), c.in(1), c.out(0),
                          [](A x, B y) { return power<A, B>(x, y); });
    });
  });
}

void infer_mod(InferContext& ctx) {
  infer_arith(ctx);
  if (!ctx.attrs().get_int("fmod", 0) && dtype_is_float(ctx.dtype(0)))
    ctx.fail("Mod with fmod=0 is only defined for integers");
}
void mod_kernel(const KernelContext& c) {
  const bool fmod = c.attrs().get_int("fmod", 0);
  ref::dispatch_numeric(c.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    broadcast2<T, T, T>(c.in(0), c.in(1), c.out(0), [fmod](T x, T y) -> T {
      if constexpr (std::is_integral_v<T>) {
        if (y == 0) return 0;
        if constexpr (std::is_signed_v<T>)
          if (y == T(-1)) return 0;  // INT_MIN % -1 traps like the division
        T r = static_cast<T>(x % y);
        // Python semantics: the result takes the divisor's sign.
        if (!fmod && r != 0 && ((r < 0) != (y < 0))) r = static_cast<T>(r + y);
        return r;
      } else {
        return static_cast<T>(std::fmod(x, y));
      }
    });
  });
}

void infer_prelu(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64});
  if (ctx.dtype(1) != ctx.dtype(0)) ctx.fail("slope dtype differs from X");
  if (ctx.node().opset < 7) ctx.unsupported("PRelu before opset 7 (legacy per-channel broadcasting)");
  Shape s = broadcast_shapes(ctx, ctx.shape(0), ctx.shape(1));
  if (s != ctx.shape(0)) ctx.fail("slope " + ctx.shape(1).str() + " must broadcast to X " + ctx.shape(0).str());
  ctx.set_output(0, ctx.dtype(0), s);
}
void prelu_kernel(const KernelContext& c) {
  ref::dispatch_float(c.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    broadcast2<T, T, T>(c.in(0), c.in(1), c.out(0), [](T x, T a) { return x < 0 ? a * x : x; });
  });
}

void infer_where(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kBool});
  if (ctx.dtype(1) != ctx.dtype(2)) ctx.fail("X and Y dtypes differ");
  Shape s = broadcast_shapes(ctx, broadcast_shapes(ctx, ctx.shape(0), ctx.shape(1)), ctx.shape(2));
  ctx.set_output(0, ctx.dtype(1), s);
}
void where_kernel(const KernelContext& c) {
  auto plan = ref::plan_broadcast<3>(c.out(0).shape, {&c.in(0).shape, &c.in(1).shape, &c.in(2).shape});
  const size_t es = dtype_size(c.out(0).dtype);
  const bool* cond = static_cast<const bool*>(c.in(0).data);
  const char* x = static_cast<const char*>(c.in(1).data);
  const char* y = static_cast<const char*>(c.in(2).data);
  char* out = static_cast<char*>(c.out(0).data);
  ref::for_each_run(plan, [&](const std::array<int64_t, 3>& off, int64_t o, int64_t n, const std::array<int64_t, 3>& st) {
    for (int64_t i = 0; i < n; ++i) {
      const char* src = cond[off[0] + i * st[0]] ? x + (off[1] + i * st[1]) * es : y + (off[2] + i * st[2]) * es;
      std::memcpy(out + (o + i) * es, src, es);
    }
  });
}

// Copies `in` broadcast to `out`'s shape, any dtype.
void broadcast_copy(const TensorView& in, const TensorView& out) {
  auto plan = ref::plan_broadcast<1>(out.shape, {&in.shape});
  const size_t es = dtype_size(out.dtype);
  const char* src = static_cast<const char*>(in.data);
  char* dst = static_cast<char*>(out.data);
  ref::for_each_run(plan, [&](const std::array<int64_t, 1>& off, int64_t o, int64_t n, const std::array<int64_t, 1>& st) {
    if (st[0] == 1) {
      std::memcpy(dst + o * es, src + off[0] * es, static_cast<size_t>(n) * es);
    } else {
      for (int64_t i = 0; i < n; ++i) std::memcpy(dst + (o + i) * es, src + off[0] * es, es);
    }
  });
}

void infer_expand(InferContext& ctx) {
  std::vector<int64_t> target = ctx.constant_ints(1);
  Shape t;
  for (int64_t d : target) t.push_back(d);
  // ONNX Expand: a target dim of 1 keeps the input's dim (plain broadcasting of both shapes).
  ctx.set_output(0, ctx.dtype(0), broadcast_shapes(ctx, ctx.shape(0), t));
}

void infer_clip(InferContext& ctx) {
  ctx.expect_dtype(0, kNumeric);
  for (size_t i = 1; i < 3; ++i) {
    if (!ctx.has_input(i)) continue;
    if (ctx.dtype(i) != ctx.dtype(0)) ctx.fail("min/max dtype differs from the input's");
    if (ctx.shape(i).numel() != 1) ctx.fail("min/max must be scalars, got " + ctx.shape(i).str());
  }
  ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
}
void clip_kernel(const KernelContext& c) {
  ref::dispatch_numeric(c.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    T lo = c.has_in(1) ? *static_cast<const T*>(c.in(1).data) : std::numeric_limits<T>::lowest();
    T hi = c.has_in(2) ? *static_cast<const T*>(c.in(2).data) : std::numeric_limits<T>::max();
    const T* x = static_cast<const T*>(c.in(0).data);
    T* y = static_cast<T*>(c.out(0).data);
    // Min(max, Max(x, min)) as the spec defines it: min > max gives max everywhere, a NaN bound
    // (or x) gives NaN, as numpy.clip in ONNX's reference does.
    c.pool->parallel_for(c.in(0).numel(), 32768, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const T t = (x[i] < lo || lo != lo) ? lo : x[i];
        y[i] = (t > hi || hi != hi) ? hi : t;
      }
    });
  });
}

// Cast: through double for floats, through int64/uint64 for integers so large values stay exact.
template <class To> To convert(double v) {
  if constexpr (std::is_same_v<To, bool>) {
    return v != 0;
  } else if constexpr (std::is_integral_v<To>) {
    if (std::isnan(v)) return To(0);  // undefined in ONNX; never undefined behaviour here
    constexpr double lo = static_cast<double>(std::numeric_limits<To>::lowest());
    constexpr double hi = static_cast<double>(std::numeric_limits<To>::max());
    if (v <= lo) return std::numeric_limits<To>::lowest();
    if (v >= hi) return std::numeric_limits<To>::max();
    return static_cast<To>(v);
  } else {
    return static_cast<To>(v);
  }
}

DType cast_target(const InferContext& ctx) {
  if (ctx.node().op_type == "CastLike") return ctx.dtype(1);
  int64_t to = ctx.attrs().require_int("to");
  // ONNX TensorProto.DataType codes.
  switch (to) {
    case 1: return DType::kF32;
    case 2: return DType::kU8;
    case 3: return DType::kI8;
    case 4: return DType::kU16;
    case 5: return DType::kI16;
    case 6: return DType::kI32;
    case 7: return DType::kI64;
    case 9: return DType::kBool;
    case 10: return DType::kF16;
    case 11: return DType::kF64;
    case 12: return DType::kU32;
    case 13: return DType::kU64;
    default: ctx.unsupported("cast to ONNX type " + std::to_string(to)); return DType::kUndefined;
  }
}
void infer_cast(InferContext& ctx) {
  if (ctx.attrs().get_int("saturate", 1) != 1) ctx.unsupported("saturate=0 (float8 only)");
  DType to = cast_target(ctx);
  if (dtype_size(ctx.dtype(0)) == 0) ctx.unsupported("input dtype");
  ctx.set_output(0, to, ctx.shape(0));
}
void cast_kernel(const KernelContext& c) {
  const TensorView& in = c.in(0);
  const TensorView& out = c.out(0);
  const int64_t n = in.numel();
  if (in.dtype == out.dtype) {
    std::memcpy(out.data, in.data, in.nbytes());
    return;
  }
  auto write_all = [&](auto read) {
    auto store = [&](auto tag) {
      using To = decltype(tag);
      To* y = static_cast<To*>(out.data);
      for (int64_t i = 0; i < n; ++i) y[i] = convert<To>(read(i));
    };
    if (out.dtype == DType::kF16) {
      uint16_t* y = static_cast<uint16_t*>(out.data);
      for (int64_t i = 0; i < n; ++i) y[i] = float_to_half(static_cast<float>(read(i)));
    } else {
      ref::dispatch_all(out.dtype, store);
    }
  };
  // Integer-to-integer keeps full 64-bit precision.
  const bool int_to_int = !dtype_is_float(in.dtype) && !dtype_is_float(out.dtype) && out.dtype != DType::kBool &&
                          in.dtype != DType::kBool;
  if (int_to_int) {
    ref::dispatch_numeric(in.dtype, [&](auto from) {
      using F = decltype(from);
      ref::dispatch_numeric(out.dtype, [&](auto to) {
        using To = decltype(to);
        const F* x = static_cast<const F*>(in.data);
        To* y = static_cast<To*>(out.data);
        for (int64_t i = 0; i < n; ++i) y[i] = static_cast<To>(x[i]);  // modular, like C and numpy
      });
    });
    return;
  }
  if (in.dtype == DType::kF16) {
    const uint16_t* x = static_cast<const uint16_t*>(in.data);
    write_all([&](int64_t i) { return static_cast<double>(half_to_float(x[i])); });
  } else {
    ref::dispatch_all(in.dtype, [&](auto from) {
      using F = decltype(from);
      const F* x = static_cast<const F*>(in.data);
      write_all([&](int64_t i) { return static_cast<double>(x[i]); });
    });
  }
}

void add(OpRegistry& r, const char* op, InferFn infer, KernelFn fn) {
  OpSchema s;
  s.op_type = op;
  s.infer = infer;
  s.kernels.push_back(KernelDef{"ref", fn});
  r.add(std::move(s));
}

}  // namespace

void register_binary_ops(OpRegistry& r) {
  add(r, "Add", infer_arith, arith_kernel<AddOp>);
  add(r, "Sub", infer_arith, arith_kernel<SubOp>);
  add(r, "Mul", infer_arith, arith_kernel<MulOp>);
  add(r, "Div", infer_arith, arith_kernel<DivOp>);
  add(r, "Pow", infer_pow, pow_kernel);
  add(r, "Mod", infer_mod, mod_kernel);
  add(r, "PRelu", infer_prelu, prelu_kernel);
  add(r, "Sum", infer_arith, variadic_kernel<AddOp>);
  add(r, "Max", infer_arith, variadic_kernel<MaxOp>);
  add(r, "Min", infer_arith, variadic_kernel<MinOp>);
  add(r, "Mean", infer_same_type_broadcast_float, [](const KernelContext& c) {
    variadic_kernel<AddOp>(c);
    ref::dispatch_float(c.out(0).dtype, [&](auto tag) {
      using T = decltype(tag);
      T* y = static_cast<T*>(c.out(0).data);
      for (int64_t i = 0; i < c.out(0).numel(); ++i) y[i] /= static_cast<T>(c.inputs.size());
    });
  });
  add(r, "Equal", infer_compare, compare_kernel<EqOp>);
  add(r, "Less", infer_compare, compare_kernel<LtOp>);
  add(r, "Greater", infer_compare, compare_kernel<GtOp>);
  add(r, "LessOrEqual", infer_compare, compare_kernel<LeOp>);
  add(r, "GreaterOrEqual", infer_compare, compare_kernel<GeOp>);
  add(r, "And", infer_logic, [](const KernelContext& c) {
    broadcast2<bool, bool, bool>(c.in(0), c.in(1), c.out(0), [](bool x, bool y) { return x && y; });
  });
  add(r, "Or", infer_logic, [](const KernelContext& c) {
    broadcast2<bool, bool, bool>(c.in(0), c.in(1), c.out(0), [](bool x, bool y) { return x || y; });
  });
  add(r, "Xor", infer_logic, [](const KernelContext& c) {
    broadcast2<bool, bool, bool>(c.in(0), c.in(1), c.out(0), [](bool x, bool y) { return x != y; });
  });
  add(r, "Where", infer_where, where_kernel);
  add(r, "Expand", infer_expand, [](const KernelContext& c) { broadcast_copy(c.in(0), c.out(0)); });
  add(r, "Clip", infer_clip, clip_kernel);
  add(r, "Cast", infer_cast, cast_kernel);
  add(r, "CastLike", infer_cast, cast_kernel);
}

}  // namespace edgewm
