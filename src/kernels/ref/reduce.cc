// Reductions, ArgMax/ArgMin, Softmax/LogSoftmax/Hardmax, CumSum. Reduced axes are coalesced into
// a [outer, reduced, inner] walk per kept position, so trailing-axis reductions are contiguous.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ir/op_registry.h"
#include "kernels/ref/dispatch.h"
#include "kernels/register_ops.h"

namespace edgewm {

namespace {

// The axes a Reduce node reduces, as a mask (empty axes: all, unless noop_with_empty_axes).
bool reduce_mask(const Attributes& attrs, int rank, std::span<const int64_t> axes, bool* mask) {
  for (int i = 0; i < rank; ++i) mask[i] = false;
  if (axes.empty()) {
    if (attrs.get_int("noop_with_empty_axes", 0)) return false;
    for (int i = 0; i < rank; ++i) mask[i] = true;
    return true;
  }
  for (int64_t a : axes) mask[a < 0 ? a + rank : a] = true;
  return true;
}

void infer_reduce(InferContext& ctx) {
  const std::string& op = ctx.node().op_type;
  const bool arith = op == "ReduceSum" || op == "ReduceProd" || op == "ReduceMax" || op == "ReduceMin";
  if (arith) ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kI32, DType::kI64, DType::kU8, DType::kI8});
  else if (op == "ReduceL1" || op == "ReduceSumSquare") ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kI32, DType::kI64});
  else ctx.expect_dtype(0, {DType::kF32, DType::kF64});
  const Shape& in = ctx.shape(0);
  std::vector<int64_t> axes = ctx.has_input(1) ? ctx.constant_ints(1) : std::vector<int64_t>{};
  for (int64_t a : axes) normalize_axis(ctx, a, std::max(in.rank(), 1), "axes");
  bool mask[Shape::kMaxRank];
  bool reduces = reduce_mask(ctx.attrs(), in.rank(), axes, mask);
  const bool keep = ctx.attrs().get_int("keepdims", 1);
  Shape out;
  for (int i = 0; i < in.rank(); ++i) {
    if (reduces && mask[i]) {
      if (in[i] == 0 && (op == "ReduceMax" || op == "ReduceMin" || op == "ReduceLogSum"))
        ctx.unsupported("reducing an empty axis with " + op);
      if (keep) out.push_back(1);
    } else {
      out.push_back(in[i]);
    }
  }
  ctx.set_output(0, ctx.dtype(0), out);
}

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

void reduce_kernel(const KernelContext& c) {
  const Shape& in = c.in(0).shape;
  const int r = in.rank();
  int64_t buf[Shape::kMaxRank];
  int64_t n_axes = 0;
  if (c.has_in(1)) {
    const TensorView& t = c.in(1);
    n_axes = std::min<int64_t>(t.numel(), Shape::kMaxRank);
    for (int64_t i = 0; i < n_axes; ++i)
      buf[i] = t.dtype == DType::kI64 ? static_cast<const int64_t*>(t.data)[i] : static_cast<const int32_t*>(t.data)[i];
  }
  bool mask[Shape::kMaxRank];
  const bool reduces = reduce_mask(c.attrs(), r, {buf, static_cast<size_t>(n_axes)}, mask);
  const Kind kind = kind_of(c.node->op_type);
  ref::dispatch_numeric(c.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* x = static_cast<const T*>(c.in(0).data);
    T* y = static_cast<T*>(c.out(0).data);
    if (!reduces) {
      std::copy_n(x, c.in(0).numel(), y);
      return;
    }
    // Kept dims (output order) and reduced dims, with input strides.
    int64_t kd[Shape::kMaxRank], ks[Shape::kMaxRank], rd[Shape::kMaxRank], rs[Shape::kMaxRank];
    int nk = 0, nr = 0;
    int64_t stride = 1, count = 1;
    for (int i = r - 1; i >= 0; --i) {
      if (mask[i]) rd[nr] = in[i], rs[nr++] = stride, count *= in[i];
      else kd[nk] = in[i], ks[nk++] = stride;
      stride *= in[i];
    }
    // kd/rd are innermost-first.
    const int64_t n_out = c.out(0).numel();
    int64_t kidx[Shape::kMaxRank] = {};
    int64_t kbase = 0;
    for (int64_t o = 0; o < n_out; ++o) {
      double acc = kind == Kind::kMax ? -std::numeric_limits<double>::infinity()
                   : kind == Kind::kMin ? std::numeric_limits<double>::infinity()
                   : kind == Kind::kProd ? 1.0 : 0.0;
      double mx = -std::numeric_limits<double>::infinity();
      if (kind == Kind::kLogSumExp) {  // stable: subtract the max first
        int64_t ridx[Shape::kMaxRank] = {};
        int64_t off = kbase;
        for (int64_t j = 0; j < count; ++j) {
          mx = std::max(mx, double(x[off]));
          for (int d = 0; d < nr; ++d) {
            off += rs[d];
            if (++ridx[d] < rd[d]) break;
            off -= rs[d] * rd[d];
            ridx[d] = 0;
          }
        }
        if (!std::isfinite(mx)) mx = 0;
      }
      int64_t ridx[Shape::kMaxRank] = {};
      int64_t off = kbase;
      for (int64_t j = 0; j < count; ++j) {
        const double v = double(x[off]);
        switch (kind) {
          case Kind::kSum: case Kind::kMean: case Kind::kLogSum: acc += v; break;
          case Kind::kMax: acc = std::max(acc, v); break;
          case Kind::kMin: acc = std::min(acc, v); break;
          case Kind::kProd: acc *= v; break;
          case Kind::kL1: acc += std::abs(v); break;
          case Kind::kL2: case Kind::kSumSquare: acc += v * v; break;
          case Kind::kLogSumExp: acc += std::exp(v - mx); break;
        }
        for (int d = 0; d < nr; ++d) {
          off += rs[d];
          if (++ridx[d] < rd[d]) break;
          off -= rs[d] * rd[d];
          ridx[d] = 0;
        }
      }
      if (kind == Kind::kMean) acc = count ? acc / static_cast<double>(count) : std::nan("");
      if (kind == Kind::kL2) acc = std::sqrt(acc);
      if (kind == Kind::kLogSum) acc = std::log(acc);
      if (kind == Kind::kLogSumExp) acc = std::log(acc) + mx;
      if constexpr (std::is_integral_v<T>) {
        y[o] = static_cast<T>(kind == Kind::kMean ? std::trunc(acc) : acc);
      } else {
        y[o] = static_cast<T>(acc);
      }
      for (int d = 0; d < nk; ++d) {  // next kept position (output order is row-major)
        kbase += ks[d];
        if (++kidx[d] < kd[d]) break;
        kbase -= ks[d] * kd[d];
        kidx[d] = 0;
      }
    }
  });
}

// ---- ArgMax / ArgMin --------------------------------------------------------------------------

void infer_arg(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kI32, DType::kI64, DType::kU8, DType::kI8});
  const Shape& in = ctx.shape(0);
  int axis = normalize_axis(ctx, ctx.attrs().get_int("axis", 0), in.rank());
  if (in[axis] == 0) ctx.fail("cannot take ArgMax/ArgMin over an empty axis");
  Shape out = in;
  if (ctx.attrs().get_int("keepdims", 1)) {
    out[axis] = 1;
  } else {
    Shape s;
    for (int i = 0; i < in.rank(); ++i)
      if (i != axis) s.push_back(in[i]);
    out = s;
  }
  ctx.set_output(0, DType::kI64, out);
}

void arg_kernel(const KernelContext& c) {
  const Shape& in = c.in(0).shape;
  int64_t axis = c.attrs().get_int("axis", 0);
  if (axis < 0) axis += in.rank();
  const bool is_max = c.node->op_type == "ArgMax";
  const bool last = c.attrs().get_int("select_last_index", 0);
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= in[i];
  for (int i = static_cast<int>(axis) + 1; i < in.rank(); ++i) inner *= in[i];
  const int64_t n = in[static_cast<int>(axis)];
  int64_t* y = static_cast<int64_t*>(c.out(0).data);
  ref::dispatch_numeric(c.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* x = static_cast<const T*>(c.in(0).data);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const T* p = x + o * n * inner + i;
        int64_t best = 0;
        for (int64_t k = 1; k < n; ++k) {
          T v = p[k * inner], b = p[best * inner];
          bool better = is_max ? (last ? v >= b : v > b) : (last ? v <= b : v < b);
          if (better) best = k;
        }
        y[o * inner + i] = best;
      }
  });
}

// ---- Softmax family -------------------------------------------------------------------------

// Opset < 13 flattens to [outer, rest] at `axis` (default 1); opset >= 13 normalises along
// one axis (default -1). Either way: outer x n x inner.
void softmax_geometry(const Node& n, const Shape& in, int64_t& outer, int64_t& len, int64_t& inner) {
  const bool legacy = n.opset < 13;
  int64_t axis = n.attrs.get_int("axis", legacy ? 1 : -1);
  if (axis < 0) axis += in.rank();
  outer = 1;
  len = 1;
  inner = 1;
  for (int i = 0; i < in.rank(); ++i) {
    if (i < axis) outer *= in[i];
    else if (legacy || i == axis) len *= in[i];
    else inner *= in[i];
  }
}

void infer_softmax(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64});
  const Shape& in = ctx.shape(0);
  int64_t axis = ctx.attrs().get_int("axis", ctx.node().opset < 13 ? 1 : -1);
  if (in.rank() > 0) normalize_axis(ctx, axis, in.rank());
  ctx.set_output(0, ctx.dtype(0), in);
}

void softmax_kernel(const KernelContext& c) {
  int64_t outer, len, inner;
  softmax_geometry(*c.node, c.in(0).shape, outer, len, inner);
  const std::string& op = c.node->op_type;
  const int mode = op == "Softmax" ? 0 : op == "LogSoftmax" ? 1 : 2;
  ref::dispatch_float(c.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* x = static_cast<const T*>(c.in(0).data);
    T* y = static_cast<T*>(c.out(0).data);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const T* p = x + o * len * inner + i;
        T* q = y + o * len * inner + i;
        T mx = p[0];
        int64_t arg = 0;
        for (int64_t k = 1; k < len; ++k)
          if (p[k * inner] > mx) mx = p[k * inner], arg = k;
        if (mode == 2) {  // Hardmax: one-hot of the first maximum
          for (int64_t k = 0; k < len; ++k) q[k * inner] = k == arg ? T(1) : T(0);
          continue;
        }
        double sum = 0;
        for (int64_t k = 0; k < len; ++k) sum += std::exp(double(p[k * inner] - mx));
        if (mode == 0) {
          for (int64_t k = 0; k < len; ++k) q[k * inner] = static_cast<T>(std::exp(double(p[k * inner] - mx)) / sum);
        } else {
          const double lse = std::log(sum);
          for (int64_t k = 0; k < len; ++k) q[k * inner] = static_cast<T>(double(p[k * inner] - mx) - lse);
        }
      }
  });
}

// ---- CumSum ---------------------------------------------------------------------------------

void infer_cumsum(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kI32, DType::kI64, DType::kU32, DType::kU64});
  normalize_axis(ctx, ctx.constant_ints(1).at(0), ctx.shape(0).rank());
  ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
}

void cumsum_kernel(const KernelContext& c) {
  const Shape& in = c.in(0).shape;
  const TensorView& at = c.in(1);
  int64_t axis = at.dtype == DType::kI64 ? *static_cast<const int64_t*>(at.data) : *static_cast<const int32_t*>(at.data);
  if (axis < 0) axis += in.rank();
  const bool exclusive = c.attrs().get_int("exclusive", 0), reverse = c.attrs().get_int("reverse", 0);
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= in[i];
  for (int i = static_cast<int>(axis) + 1; i < in.rank(); ++i) inner *= in[i];
  const int64_t n = in[static_cast<int>(axis)];
  ref::dispatch_numeric(c.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* x = static_cast<const T*>(c.in(0).data);
    T* y = static_cast<T*>(c.out(0).data);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        T acc{};
        for (int64_t s = 0; s < n; ++s) {
          int64_t k = reverse ? n - 1 - s : s;
          int64_t at_k = (o * n + k) * inner + i;
          if (exclusive) {
            y[at_k] = acc;
            acc = static_cast<T>(acc + x[at_k]);
          } else {
            acc = static_cast<T>(acc + x[at_k]);
            y[at_k] = acc;
          }
        }
      }
  });
}

void add(OpRegistry& r, const char* op, InferFn infer, KernelFn fn) {
  OpSchema s;
  s.op_type = op;
  s.infer = infer;
  s.kernels.push_back(KernelDef{"ref", fn});
  r.add(std::move(s));
}

}  // namespace

void register_reduce_ops(OpRegistry& r) {
  for (const char* op : {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                         "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"})
    add(r, op, infer_reduce, reduce_kernel);
  add(r, "ArgMax", infer_arg, arg_kernel);
  add(r, "ArgMin", infer_arg, arg_kernel);
  add(r, "Softmax", infer_softmax, softmax_kernel);
  add(r, "LogSoftmax", infer_softmax, softmax_kernel);
  add(r, "Hardmax", infer_softmax, softmax_kernel);
  add(r, "CumSum", infer_cumsum, cumsum_kernel);
}

}  // namespace edgewm
