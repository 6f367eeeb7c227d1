// Ops that write a pattern rather than move data: ConstantOfShape, Range, Trilu, EyeLike.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/ref/dispatch.h"
#include "kernels/ref/movement.h"

namespace edgewm {

namespace {

using namespace ref::mv;

// ---- ConstantOfShape --------------------------------------------------------------------------

void infer_constant_of_shape(InferContext& ctx) {
  std::vector<int64_t> dims = ctx.constant_ints(0);
  if (ctx.shape(0).rank() != 1) ctx.fail("shape input must be 1-D, got " + ctx.shape(0).str());
  if (static_cast<int>(dims.size()) > Shape::kMaxRank) ctx.unsupported("output rank above " + std::to_string(Shape::kMaxRank));
  const Tensor* value = ctx.attrs().get_tensor("value");
  if (value && value->numel() != 1) ctx.fail("value must hold one element, got " + value->shape().str());
  Shape out;
  for (int64_t d : dims) {
    if (d < 0) ctx.fail("negative dimension " + std::to_string(d));
    out.push_back(d);
  }
  ctx.set_output(0, value ? value->dtype() : DType::kF32, out);
}

void constant_of_shape_kernel(const KernelContext& c) {
  const Tensor* value = c.attrs().get_tensor("value");
  const uint64_t zero = 0;
  fill_elems(c.out(0).data, value ? value->data() : &zero, dtype_size(c.out(0).dtype), c.out(0).numel());
}

// ---- Range ------------------------------------------------------------------------------------

void infer_range(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kF16, DType::kI16, DType::kI32, DType::kI64});
  for (size_t i = 0; i < 3; ++i) {
    if (ctx.dtype(i) != ctx.dtype(0)) ctx.fail("start, limit and delta must share a dtype");
    if (ctx.shape(i).numel() != 1) ctx.fail("start, limit and delta must be scalars");
  }
  int64_t n = 0;
  if (dtype_is_float(ctx.dtype(0))) {
    double v[3];
    for (size_t i = 0; i < 3; ++i) v[i] = load_as_double(ctx.constant(i), 0);
    if (v[2] == 0) ctx.fail("delta is 0");
    const double count = std::ceil((v[1] - v[0]) / v[2]);
    if (!(count < 1e15) || count > double(kMaxTensorBytes)) {
      if (count > 0) ctx.fail("range has too many elements");
    } else {
      n = std::max<int64_t>(0, static_cast<int64_t>(count));
    }
  } else {  // exact integer count
    __int128 v[3];
    for (size_t i = 0; i < 3; ++i) {
      const TensorView& t = ctx.constant(i);
      v[i] = ref::dispatch_numeric(t.dtype, [&](auto tag) { return static_cast<int64_t>(*static_cast<const decltype(tag)*>(t.data)); });
    }
    if (v[2] == 0) ctx.fail("delta is 0");
    const __int128 span = v[2] > 0 ? v[1] - v[0] : v[0] - v[1], step = v[2] > 0 ? v[2] : -v[2];
    const __int128 count = span > 0 ? (span + step - 1) / step : 0;
    if (count > kMaxTensorBytes) ctx.fail("range has too many elements");
    n = static_cast<int64_t>(count);
  }
  ctx.set_output(0, ctx.dtype(0), Shape{n});
}

void range_kernel(const KernelContext& c) {
  const TensorView& y = c.out(0);
  if (y.dtype == DType::kF16) {
    const float start = static_cast<float>(load_as_double(c.in(0), 0)), delta = static_cast<float>(load_as_double(c.in(2), 0));
    uint16_t* p = static_cast<uint16_t*>(y.data);
    for (int64_t i = 0; i < y.numel(); ++i) p[i] = float_to_half(start + static_cast<float>(i) * delta);
    return;
  }
  ref::dispatch_numeric(y.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T start = *static_cast<const T*>(c.in(0).data), delta = *static_cast<const T*>(c.in(2).data);
    T* p = static_cast<T*>(y.data);
    for (int64_t i = 0; i < y.numel(); ++i) p[i] = static_cast<T>(start + static_cast<T>(i) * delta);
  });
}

// ---- Trilu ------------------------------------------------------------------------------------

void infer_trilu(InferContext& ctx) {
  const Shape& x = ctx.shape(0);
  if (x.rank() < 2) ctx.fail("input must have rank >= 2, got " + x.str());
  if (ctx.has_input(1)) {
    ctx.expect_dtype(1, {DType::kI64, DType::kI32});
    if (ctx.shape(1).numel() != 1) ctx.fail("k must be a scalar, got " + ctx.shape(1).str());
  }
  ctx.set_output(0, ctx.dtype(0), x);
}

// Keeps the elements with j - i >= k (upper) or j - i <= k (lower) of every trailing matrix;
// zero bytes are the zero of every dtype.
void trilu_kernel(const KernelContext& c) {
  const Shape& x = c.in(0).shape;
  const int r = x.rank();
  const int64_t N = x[r - 2], M = x[r - 1];
  const int64_t k = c.has_in(1) ? index_at(c.in(1), 0) : 0;
  const bool upper = c.attrs().get_int("upper", 1) != 0;
  const size_t es = dtype_size(c.in(0).dtype);
  const char* src = static_cast<const char*>(c.in(0).data);
  char* dst = static_cast<char*>(c.out(0).data);
  const int64_t rows = x.numel() / std::max<int64_t>(M, 1);
  if (M == 0) return;
  split_work(c.pool, rows, std::max<int64_t>(1, kChunkElems / M), [&](int64_t b, int64_t e) {
    for (int64_t row = b; row < e; ++row) {
      const int64_t i = row % N;
      // Columns [lo, hi) are kept.
      const int64_t lo = upper ? std::clamp<int64_t>(i + k, 0, M) : 0;
      const int64_t hi = upper ? M : std::clamp<int64_t>(i + k + 1, 0, M);
      char* o = dst + static_cast<size_t>(row * M) * es;
      const char* s = src + static_cast<size_t>(row * M) * es;
      std::memset(o, 0, static_cast<size_t>(lo) * es);
      if (hi > lo) std::memcpy(o + lo * es, s + lo * es, static_cast<size_t>(hi - lo) * es);
      std::memset(o + std::max(lo, hi) * es, 0, static_cast<size_t>(M - std::max(lo, hi)) * es);
    }
  });
}

// ---- EyeLike ----------------------------------------------------------------------------------

void infer_eye_like(InferContext& ctx) {
  const Shape& x = ctx.shape(0);
  if (x.rank() != 2) ctx.fail("input must be 2-D, got " + x.str());
  DType t = ctx.dtype(0);
  if (ctx.attrs().has("dtype")) {
    const int64_t code = ctx.attrs().get_int("dtype", 0);
    t = dtype_from_onnx_code(code);
    if (t == DType::kUndefined) ctx.unsupported("dtype " + std::to_string(code));
  }
  ctx.set_output(0, t, x);
}

void eye_like_kernel(const KernelContext& c) {
  const TensorView& y = c.out(0);
  const int64_t N = y.shape[0], M = y.shape[1], k = c.attrs().get_int("k", 0);
  const size_t es = dtype_size(y.dtype);
  char one[8];
  store_from_double(y.dtype, one, 1.0);
  char* dst = static_cast<char*>(y.data);
  std::memset(dst, 0, y.nbytes());
  if (k <= -N || k >= M) return;  // the diagonal misses the matrix (and -k cannot overflow below)
  for (int64_t i = std::max<int64_t>(0, -k); i < N && i + k < M; ++i) std::memcpy(dst + static_cast<size_t>(i * M + i + k) * es, one, es);
}

}  // namespace

void register_movement_fill_ops(OpRegistry& r) {
  add_op(r, "ConstantOfShape", infer_constant_of_shape, constant_of_shape_kernel);
  add_op(r, "Range", infer_range, range_kernel);
  add_op(r, "Trilu", infer_trilu, trilu_kernel);
  add_op(r, "EyeLike", infer_eye_like, eye_like_kernel);
}

}  // namespace edgewm
