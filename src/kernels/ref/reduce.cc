// Reduce* (Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare). The input's dims are
// coalesced into alternating kept / reduced groups (size-1 dims dropped); when the innermost
// group is reduced each output reduces contiguous runs (8 accumulator lanes), otherwise a chunk
// of contiguous outputs accumulates row by row. Floats accumulate in double, integers in 64-bit
// two's complement (so Sum/Prod wrap exactly like the input type would). Empty reductions give
// the identity the spec names (0, 1, -inf / lowest, +inf / highest, log 0 = -inf).
#include "kernels/ref/reduce.h"

#include <limits>
#include <string>
#include <vector>

#include "kernels/ref/dispatch.h"
#include "kernels/register_ops.h"

namespace edgewm {

using namespace ref::reduce;

namespace {

enum class Kind { kSum, kMean, kMax, kMin, kProd, kL1, kL2, kLogSum, kLogSumExp, kSumSquare };

Kind kind_of(const std::string& op) {
  if (op == "ReduceSum") return Kind::kSum;
  if (op == "ReduceMean") return Kind::kMean;
  if (op == "ReduceMax") return Kind::kMax;
  if (op == "ReduceMin") return Kind::kMin;
  if (op == "ReduceProd") return Kind::kProd;
  if (op == "ReduceL1") return Kind::kL1;
  if (op == "ReduceL2") return Kind::kL2;
  if (op == "ReduceLogSum") return Kind::kLogSum;
  if (op == "ReduceLogSumExp") return Kind::kLogSumExp;
  return Kind::kSumSquare;
}

// Marks the reduced axes. Empty axes reduce everything unless noop_with_empty_axes, which
// reduces nothing (each element still goes through the op's finish: ReduceL2 gives |x|,
// ReduceSumSquare x^2, as onnxruntime and the ONNX reference do). Axes are already validated.
void reduce_mask(const Attributes& attrs, int rank, std::span<const int64_t> axes, bool* mask) {
  const bool all = axes.empty() && attrs.get_int("noop_with_empty_axes", 0) == 0;
  for (int i = 0; i < rank; ++i) mask[i] = all;
  for (int64_t a : axes) mask[a < 0 ? a + rank : a] = true;
}

void infer_reduce(InferContext& ctx) {
  const Kind kind = kind_of(ctx.node().op_type);
  switch (kind) {
    case Kind::kMax:
    case Kind::kMin:
      ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kI32, DType::kI64, DType::kU32, DType::kU64, DType::kI8,
                           DType::kU8});
      break;
    case Kind::kLogSum:
    case Kind::kLogSumExp:  // the integer rounding of a logarithm is not specified
      ctx.expect_dtype(0, {DType::kF32, DType::kF64});
      break;
    default:
      ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kI32, DType::kI64, DType::kU32, DType::kU64});
  }
  const Shape& in = ctx.shape(0);
  // Before opset 18 (13 for ReduceSum) axes is an attribute; the importer moves it to input 1.
  if (ctx.attrs().has("axes")) ctx.fail("attribute 'axes' was not canonicalised into input 1");
  std::vector<int64_t> axes;
  if (ctx.has_input(1)) {
    if (ctx.shape(1).rank() != 1) ctx.fail("axes must be a 1-D tensor, got shape " + ctx.shape(1).str());
    axes = ctx.constant_ints(1);
  }
  bool mask[Shape::kMaxRank];
  for (int64_t a : axes) normalize_axis(ctx, a, in.rank(), "axes");  // duplicates act as one
  reduce_mask(ctx.attrs(), in.rank(), axes, mask);
  const bool keep = ctx.attrs().get_int("keepdims", 1) != 0;
  Shape out;
  bool empty_reduction = false;
  for (int i = 0; i < in.rank(); ++i) {
    if (mask[i]) {
      empty_reduction |= in[i] == 0;
      if (keep) out.push_back(1);
    } else {
      out.push_back(in[i]);
    }
  }
  if (kind == Kind::kMean && empty_reduction && out.numel() > 0)
    ctx.unsupported("ReduceMean over an empty axis: the mean of no values is undefined");
  ctx.set_output(0, ctx.dtype(0), out);
}

// Accumulator, step, lane merge and finish of one Reduce kind over element type T.
template <Kind K, class T> struct Red {
  static constexpr bool kFloat = std::is_floating_point_v<T>;
  static constexpr bool kMinMax = K == Kind::kMax || K == Kind::kMin;
  struct Lse {  // running max and sum of exp(x - max)
    double m, s;
  };
  using A = std::conditional_t<kMinMax, T, std::conditional_t<K == Kind::kLogSumExp, Lse, std::conditional_t<kFloat, double, uint64_t>>>;

  static A init() {
    if constexpr (K == Kind::kMax) {
      return kFloat ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
    } else if constexpr (K == Kind::kMin) {
      return kFloat ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max();
    } else if constexpr (K == Kind::kLogSumExp) {
      return Lse{-std::numeric_limits<double>::infinity(), 0.0};
    } else if constexpr (K == Kind::kProd) {
      return A(1);
    } else {
      return A(0);
    }
  }

  static void step(A& a, T v) {
    if constexpr (kMinMax) {
      if (is_nan(v) || (K == Kind::kMax ? v > a : v < a)) a = v;  // NaN sticks (v > NaN is false)
    } else if constexpr (K == Kind::kLogSumExp) {
      const double d = static_cast<double>(v);
      if (d > a.m) {
        a.s = a.s * std::exp(a.m - d) + 1.0;
        a.m = d;
      } else if (d == a.m) {  // also +-inf == +-inf
        a.s += 1.0;
      } else {
        a.s += std::exp(d - a.m);  // NaN lands here and poisons the sum
      }
    } else if constexpr (kFloat) {
      const double d = static_cast<double>(v);
      if constexpr (K == Kind::kProd) a *= d;
      else if constexpr (K == Kind::kL1) a += std::fabs(d);
      else if constexpr (K == Kind::kL2 || K == Kind::kSumSquare) a += d * d;
      else a += d;
    } else {
      uint64_t u;
      if constexpr (std::is_signed_v<T>) u = static_cast<uint64_t>(static_cast<int64_t>(v));
      else u = static_cast<uint64_t>(v);
      if constexpr (K == Kind::kProd) a *= u;
      else if constexpr (K == Kind::kL1) a += (std::is_signed_v<T> && v < 0) ? uint64_t(0) - u : u;
      else if constexpr (K == Kind::kL2 || K == Kind::kSumSquare) a += u * u;
      else a += u;
    }
  }

  // Combines two partial accumulators (lanes).
  static void merge(A& a, const A& b) {
    if constexpr (kMinMax) {
      step(a, b);
    } else if constexpr (K == Kind::kLogSumExp) {
      if (b.m > a.m) {
        a.s = a.s * std::exp(a.m - b.m) + b.s;
        a.m = b.m;
      } else if (b.m == a.m) {
        a.s += b.s;
      } else {
        a.s += b.s * std::exp(b.m - a.m);
      }
    } else if constexpr (K == Kind::kProd) {
      a *= b;
    } else {
      a += b;
    }
  }

  static T finish(const A& a, int64_t count) {
    if constexpr (kMinMax) {
      return a;
    } else if constexpr (K == Kind::kLogSumExp) {
      return static_cast<T>(a.m + std::log(a.s));  // empty: -inf + log 0 = -inf
    } else if constexpr (kFloat) {
      if constexpr (K == Kind::kMean) return static_cast<T>(a / static_cast<double>(count));
      else if constexpr (K == Kind::kL2) return static_cast<T>(std::sqrt(a));
      else if constexpr (K == Kind::kLogSum) return static_cast<T>(std::log(a));
      else return static_cast<T>(a);
    } else if constexpr (K == Kind::kMean) {  // truncates toward zero, like numpy's astype
      if (count == 0) return T(0);
      if constexpr (std::is_signed_v<T>) return static_cast<T>(static_cast<int64_t>(a) / count);
      else return static_cast<T>(a / static_cast<uint64_t>(count));
    } else if constexpr (K == Kind::kL2) {  // floor(sqrt), as onnxruntime and the reference cast it
      return static_cast<T>(std::floor(std::sqrt(static_cast<double>(a))));
    } else {
      return static_cast<T>(a);  // modular, as wrapping arithmetic in T would give
    }
  }

  // a op= x[0..n), n contiguous.
  static void run(A& a, const T* x, int64_t n) {
    constexpr int kLanes = 8;
    if (n < 2 * kLanes) {
      for (int64_t j = 0; j < n; ++j) step(a, x[j]);
      return;
    }
    A lane[kLanes];
    for (int l = 0; l < kLanes; ++l) lane[l] = init();
    int64_t j = 0;
    for (; j + kLanes <= n; j += kLanes)
      for (int l = 0; l < kLanes; ++l) step(lane[l], x[j + l]);
    for (; j < n; ++j) step(lane[0], x[j]);
    for (int l = 0; l < kLanes; ++l) merge(a, lane[l]);
  }
};

// How the kernel walks one input: see the file comment.
struct Plan {
  bool inner_reduced = false;
  int64_t run = 1;    // length of the innermost (contiguous) group
  int64_t count = 1;  // reduced elements per output
  Walker kept;        // kept groups, without the innermost one when it is kept
  Walker red;         // reduced groups, without the innermost one when it is reduced
};

Plan make_plan(const Shape& in, const bool* mask) {
  int n = 0;
  int64_t size[Shape::kMaxRank];
  bool red[Shape::kMaxRank];
  for (int i = 0; i < in.rank(); ++i) {
    if (in[i] == 1) continue;
    if (n > 0 && red[n - 1] == mask[i]) {
      size[n - 1] *= in[i];
    } else {
      size[n] = in[i];
      red[n++] = mask[i];
    }
  }
  if (n == 0) {  // a scalar or all dims 1
    size[0] = 1;
    red[0] = false;
    n = 1;
  }
  int64_t stride[Shape::kMaxRank];
  int64_t s = 1;
  for (int d = n - 1; d >= 0; --d) {
    stride[d] = s;
    s *= size[d];
  }
  Plan p;
  p.inner_reduced = red[n - 1];
  p.run = size[n - 1];
  for (int d = 0; d < n - 1; ++d) {
    Walker& w = red[d] ? p.red : p.kept;
    w.size[w.n] = size[d];
    w.stride[w.n++] = stride[d];
  }
  p.count = p.red.count() * (p.inner_reduced ? p.run : 1);
  return p;
}

template <Kind K, class T> void reduce_t(const KernelContext& c, const bool* mask) {
  using R = Red<K, T>;
  using A = typename R::A;
  const TensorView& xv = c.in(0);
  const T* x = static_cast<const T*>(xv.data);
  T* y = static_cast<T*>(c.out(0).data);
  const int64_t n_out = c.out(0).numel();
  if (n_out == 0) return;
  if (xv.numel() == 0) {  // reducing an empty axis: the identity
    const T v = R::finish(R::init(), 0);
    std::fill_n(y, n_out, v);
    return;
  }
  const Plan plan = make_plan(xv.shape, mask);
  if (plan.inner_reduced) {
    // Each output reduces red.count() contiguous runs of plan.run elements.
    const int64_t runs = plan.red.count();
    c.pool->parallel_for(n_out, grain_for(plan.count), [&](int64_t b, int64_t e) {
      Walker kept = plan.kept, red = plan.red;
      kept.seek(b);
      for (int64_t o = b; o < e; ++o, kept.next()) {
        A a = R::init();
        red.seek(0);
        for (int64_t r = 0; r < runs; ++r, red.next()) R::run(a, x + kept.off + red.off, plan.run);
        y[o] = R::finish(a, plan.count);
      }
    });
    return;
  }
  // The innermost group is kept: outputs [o * run, o * run + run) accumulate whole rows.
  constexpr int64_t kCols = 256;
  const int64_t chunks = (plan.run + kCols - 1) / kCols;
  const int64_t items = plan.kept.count() * chunks;
  c.pool->parallel_for(items, grain_for(plan.count * std::min(kCols, plan.run)), [&](int64_t b, int64_t e) {
    Walker kept = plan.kept, red = plan.red;
    A acc[kCols];
    for (int64_t it = b; it < e; ++it) {
      const int64_t o = it / chunks, j0 = (it % chunks) * kCols, m = std::min(kCols, plan.run - j0);
      kept.seek(o);
      for (int64_t j = 0; j < m; ++j) acc[j] = R::init();
      red.seek(0);
      for (int64_t r = 0; r < plan.count; ++r, red.next()) {
        const T* p = x + kept.off + red.off + j0;
        for (int64_t j = 0; j < m; ++j) R::step(acc[j], p[j]);
      }
      T* q = y + o * plan.run + j0;
      for (int64_t j = 0; j < m; ++j) q[j] = R::finish(acc[j], plan.count);
    }
  });
}

template <Kind K> void reduce_kind(const KernelContext& c, const bool* mask) {
  ref::dispatch_numeric(c.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    constexpr bool small_int = sizeof(T) < 4 && !std::is_floating_point_v<T>;
    constexpr bool is_int = !std::is_floating_point_v<T>;
    constexpr bool ok = (K == Kind::kMax || K == Kind::kMin) ? true
                        : (K == Kind::kLogSum || K == Kind::kLogSumExp) ? !is_int
                                                                         : !small_int;
    if constexpr (ok) reduce_t<K, T>(c, mask);
    else throw Error(ErrorKind::kInternal, std::string("Reduce: dtype ") + dtype_name(c.in(0).dtype) + " passed inference");
  });
}

void reduce_kernel(const KernelContext& c) {
  const Shape& in = c.in(0).shape;
  int64_t axes[Shape::kMaxRank];
  size_t n_axes = 0;
  if (c.has_in(1)) {
    const TensorView& t = c.in(1);
    // Inference checked every axis is in range, so duplicates are the only way past kMaxRank.
    for (int64_t i = 0; i < t.numel(); ++i) {
      const int64_t a = int_at(t, i);
      if (std::find(axes, axes + n_axes, a < 0 ? a + in.rank() : a) == axes + n_axes)
        axes[n_axes++] = a < 0 ? a + in.rank() : a;
    }
  }
  bool mask[Shape::kMaxRank];
  reduce_mask(c.attrs(), in.rank(), {axes, n_axes}, mask);
  switch (kind_of(c.node->op_type)) {
    case Kind::kSum: return reduce_kind<Kind::kSum>(c, mask);
    case Kind::kMean: return reduce_kind<Kind::kMean>(c, mask);
    case Kind::kMax: return reduce_kind<Kind::kMax>(c, mask);
    case Kind::kMin: return reduce_kind<Kind::kMin>(c, mask);
    case Kind::kProd: return reduce_kind<Kind::kProd>(c, mask);
    case Kind::kL1: return reduce_kind<Kind::kL1>(c, mask);
    case Kind::kL2: return reduce_kind<Kind::kL2>(c, mask);
    case Kind::kLogSum: return reduce_kind<Kind::kLogSum>(c, mask);
    case Kind::kLogSumExp: return reduce_kind<Kind::kLogSumExp>(c, mask);
    case Kind::kSumSquare: return reduce_kind<Kind::kSumSquare>(c, mask);
  }
}

}  // namespace

void register_reduce_arith_ops(OpRegistry& r) {
  for (const char* op : {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                         "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"})
    r.add({op, "", infer_reduce, {KernelDef{"ref", reduce_kernel}}});
}

void register_reduce_ops(OpRegistry& r) {
  register_reduce_arith_ops(r);
  register_select_ops(r);
  register_softmax_ops(r);
  register_cumsum_ops(r);
}

}  // namespace edgewm
