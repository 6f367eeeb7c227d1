// Index-driven movement: GatherElements, GatherND, ScatterElements (and the older Scatter),
// ScatterND, OneHot. Indices may be negative (counted from the end); indices that inference
// could not check are checked by the kernel before it writes anything.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/ref/dispatch.h"
#include "kernels/ref/movement.h"

namespace edgewm {

namespace {

using namespace ref::mv;

// Calls fn(T{}) with an unsigned integer type of the element size: copies need only the bytes.
template <class F> void by_elem_size(size_t es, F&& fn) {
  switch (es) {
    case 1: fn(uint8_t{}); break;
    case 2: fn(uint16_t{}); break;
    case 4: fn(uint32_t{}); break;
    case 8: fn(uint64_t{}); break;
    default: throw Error(ErrorKind::kInternal, "element size " + std::to_string(es));
  }
}

void expect_index_dtype(const InferContext& ctx, size_t i) { ctx.expect_dtype(i, {DType::kI32, DType::kI64}); }

// Inference-time range check of constant indices against an axis of size `dim`.
void check_constant_indices(const InferContext& ctx, size_t i, int64_t dim) {
  if (!ctx.is_constant(i)) return;
  for (int64_t v : ctx.constant_ints(i))
    if (v < -dim || v >= dim) ctx.fail("index " + std::to_string(v) + " out of range for an axis of size " + std::to_string(dim));
}

// Run-time check of every index before a kernel writes anything.
void check_indices(const KernelContext& c, const TensorView& idx, int64_t dim) {
  for (int64_t j = 0; j < idx.numel(); ++j) {
    const int64_t v = index_at(idx, j);
    if (v < -dim || v >= dim) index_out_of_range(*c.node, v, dim);
  }
}

// ---- GatherElements ---------------------------------------------------------------------------

// Shared by GatherElements and ScatterElements: indices of data's rank, at most data's size
// off the axis (the axis itself may be any length).
int infer_elements_axis(InferContext& ctx, const Shape& data, const Shape& idx) {
  if (data.rank() < 1) ctx.fail("data must have rank >= 1");
  if (idx.rank() != data.rank()) ctx.fail("indices " + idx.str() + " must have the rank of data " + data.str());
  const int axis = normalize_axis(ctx, ctx.attrs().get_int("axis", 0), data.rank());
  for (int d = 0; d < data.rank(); ++d)
    if (d != axis && idx[d] > data[d]) ctx.fail("indices " + idx.str() + " exceed data " + data.str() + " off the axis");
  return axis;
}

void infer_gather_elements(InferContext& ctx) {
  expect_index_dtype(ctx, 1);
  const int axis = infer_elements_axis(ctx, ctx.shape(0), ctx.shape(1));
  check_constant_indices(ctx, 1, ctx.shape(0)[axis]);
  ctx.set_output(0, ctx.dtype(0), ctx.shape(1));
}

// Walks the indices tensor in order, calling fn(j, data_offset_without_axis) per element.
template <class F> void for_each_element_index(const Shape& data, const Shape& idx, int axis, int64_t begin, int64_t end, F&& fn) {
  const int r = idx.rank();
  int64_t st[Shape::kMaxRank];
  contiguous_strides(data, st);
  int64_t pos[Shape::kMaxRank] = {};
  int64_t rem = begin, off = 0;
  for (int d = r - 1; d >= 0; --d) {
    pos[d] = rem % idx[d];
    rem /= idx[d];
    if (d != axis) off += pos[d] * st[d];
  }
  for (int64_t j = begin; j < end; ++j) {
    fn(j, off);
    for (int d = r - 1; d >= 0; --d) {
      if (d != axis) off += st[d];
      if (++pos[d] < idx[d]) break;
      if (d != axis) off -= st[d] * idx[d];
      pos[d] = 0;
    }
  }
}

void gather_elements_kernel(const KernelContext& c) {
  const Shape& data = c.in(0).shape;
  const TensorView& idx = c.in(1);
  int64_t a = c.attrs().get_int("axis", 0);
  const int axis = static_cast<int>(a < 0 ? a + data.rank() : a);
  const int64_t dim = data[axis];
  check_indices(c, idx, dim);
  int64_t st[Shape::kMaxRank];
  contiguous_strides(data, st);
  by_elem_size(dtype_size(c.in(0).dtype), [&](auto tag) {
    using T = decltype(tag);
    const T* src = static_cast<const T*>(c.in(0).data);
    T* dst = static_cast<T*>(c.out(0).data);
    split_work(c.pool, idx.numel(), kChunkElems, [&](int64_t b, int64_t e) {
      for_each_element_index(data, idx.shape, axis, b, e, [&](int64_t j, int64_t off) {
        int64_t v = index_at(idx, j);
        if (v < 0) v += dim;
        dst[j] = src[off + v * st[axis]];
      });
    });
  });
}

// ---- GatherND ---------------------------------------------------------------------------------

struct NdGeometry {
  int64_t batches = 1;     // product of the batch dims
  int64_t tuples = 1;      // index tuples per batch
  int64_t k = 0;           // tuple length
  int64_t slice = 1;       // elements addressed by one tuple
  int64_t batch_elems = 1; // data elements per batch
};

NdGeometry nd_geometry(const Shape& data, const Shape& idx, int b) {
  NdGeometry g;
  g.k = idx[idx.rank() - 1];
  g.batches = dims_product(data, 0, b);
  g.tuples = dims_product(idx, b, idx.rank() - 1);
  g.slice = dims_product(data, b + static_cast<int>(g.k), data.rank());
  g.batch_elems = dims_product(data, b, data.rank());
  return g;
}

void infer_gather_nd(InferContext& ctx) {
  expect_index_dtype(ctx, 1);
  const Shape& data = ctx.shape(0);
  const Shape& idx = ctx.shape(1);
  const int64_t b = ctx.node().opset >= 12 ? ctx.attrs().get_int("batch_dims", 0) : 0;
  if (data.rank() < 1 || idx.rank() < 1) ctx.fail("data and indices must have rank >= 1");
  if (b < 0 || b >= std::min(data.rank(), idx.rank())) ctx.fail("batch_dims " + std::to_string(b) + " out of range");
  for (int d = 0; d < b; ++d)
    if (data[d] != idx[d]) ctx.fail("batch dims of data " + data.str() + " and indices " + idx.str() + " differ");
  const int64_t k = idx[idx.rank() - 1];
  if (k < 1 || k > data.rank() - b) ctx.fail("indices' last dim " + std::to_string(k) + " must be in [1, " + std::to_string(data.rank() - b) + "]");
  Shape out;
  for (int d = 0; d < idx.rank() - 1; ++d) out.push_back(d < b ? data[d] : idx[d]);
  if (out.rank() + data.rank() - b - k > Shape::kMaxRank) ctx.unsupported("output rank above " + std::to_string(Shape::kMaxRank));
  for (int d = static_cast<int>(b + k); d < data.rank(); ++d) out.push_back(data[d]);
  if (ctx.is_constant(1)) {
    std::vector<int64_t> v = ctx.constant_ints(1);
    for (size_t i = 0; i < v.size(); ++i) {
      const int64_t dim = data[static_cast<int>(b + static_cast<int64_t>(i) % k)];
      if (v[i] < -dim || v[i] >= dim) ctx.fail("index " + std::to_string(v[i]) + " out of range for an axis of size " + std::to_string(dim));
    }
  }
  ctx.set_output(0, ctx.dtype(0), out);
}

// Element offset within a batch of the tuple at indices[t * k ...], or throws.
int64_t nd_offset(const KernelContext& c, const Shape& data, int b, const TensorView& idx, int64_t t, int64_t k) {
  int64_t off = 0;
  for (int64_t j = 0; j < k; ++j) {
    const int d = b + static_cast<int>(j);
    int64_t v = index_at(idx, t * k + j);
    if (v < -data[d] || v >= data[d]) index_out_of_range(*c.node, v, data[d]);
    if (v < 0) v += data[d];
    off = off * data[d] + v;
  }
  // Scale from the addressed dims to elements.
  return off * dims_product(data, b + static_cast<int>(k), data.rank());
}

void gather_nd_kernel(const KernelContext& c) {
  const Shape& data = c.in(0).shape;
  const TensorView& idx = c.in(1);
  const int b = static_cast<int>(c.attrs().get_int("batch_dims", 0));
  const NdGeometry g = nd_geometry(data, idx.shape, b);
  const size_t es = dtype_size(c.in(0).dtype);
  for (int64_t t = 0; t < g.batches * g.tuples; ++t) nd_offset(c, data, b, idx, t, g.k);  // check first
  const char* src = static_cast<const char*>(c.in(0).data);
  char* dst = static_cast<char*>(c.out(0).data);
  split_work(c.pool, g.batches * g.tuples, std::max<int64_t>(1, kChunkElems / g.slice), [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t batch = t / g.tuples;
      const int64_t off = batch * g.batch_elems + nd_offset(c, data, b, idx, t, g.k);
      std::memcpy(dst + static_cast<size_t>(t * g.slice) * es, src + static_cast<size_t>(off) * es, static_cast<size_t>(g.slice) * es);
    }
  });
}

// ---- ScatterElements, Scatter, ScatterND ---------------------------------------------------------

enum class Reduction { kNone, kAdd, kMul, kMax, kMin };

Reduction infer_reduction(const InferContext& ctx) {
  std::string_view r = ctx.attrs().get_string("reduction", "none");
  Reduction red;
  if (r == "none") red = Reduction::kNone;
  else if (r == "add") red = Reduction::kAdd;
  else if (r == "mul") red = Reduction::kMul;
  else if (r == "max") red = Reduction::kMax;
  else if (r == "min") red = Reduction::kMin;
  else ctx.unsupported("reduction '" + std::string(r) + "'");
  if (red != Reduction::kNone && ctx.dtype(0) == DType::kBool) ctx.unsupported("reduction '" + std::string(r) + "' on bool");
  return red;
}

Reduction kernel_reduction(const KernelContext& c) {
  std::string_view r = c.attrs().get_string("reduction", "none");
  if (r == "add") return Reduction::kAdd;
  if (r == "mul") return Reduction::kMul;
  if (r == "max") return Reduction::kMax;
  if (r == "min") return Reduction::kMin;
  return Reduction::kNone;
}

template <class T> T reduce_one(T a, T b, Reduction r) {
  switch (r) {
    case Reduction::kAdd: return static_cast<T>(a + b);
    case Reduction::kMul: return static_cast<T>(a * b);
    case Reduction::kMax: return std::max(a, b);
    case Reduction::kMin: return std::min(a, b);
    default: return b;
  }
}

// dst[i] = reduce(dst[i], src[i]) for i < n in the element type `t`.
void reduce_into(DType t, void* dst, const void* src, int64_t n, Reduction r) {
  if (t == DType::kF16) {
    uint16_t* d = static_cast<uint16_t*>(dst);
    const uint16_t* s = static_cast<const uint16_t*>(src);
    for (int64_t i = 0; i < n; ++i) d[i] = float_to_half(reduce_one(half_to_float(d[i]), half_to_float(s[i]), r));
    return;
  }
  ref::dispatch_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    T* d = static_cast<T*>(dst);
    const T* s = static_cast<const T*>(src);
    for (int64_t i = 0; i < n; ++i) d[i] = reduce_one(d[i], s[i], r);
  });
}

void copy_data_to_output(const KernelContext& c) {
  if (c.out(0).data != c.in(0).data) std::memcpy(c.out(0).data, c.in(0).data, c.in(0).nbytes());
}

void infer_scatter_elements(InferContext& ctx) {
  expect_index_dtype(ctx, 1);
  if (ctx.dtype(2) != ctx.dtype(0)) ctx.fail("updates' dtype differs from data's");
  if (ctx.shape(2) != ctx.shape(1)) ctx.fail("updates " + ctx.shape(2).str() + " and indices " + ctx.shape(1).str() + " differ in shape");
  infer_reduction(ctx);
  const int axis = infer_elements_axis(ctx, ctx.shape(0), ctx.shape(1));
  check_constant_indices(ctx, 1, ctx.shape(0)[axis]);
  ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
}

// Updates apply in index order, so duplicates resolve as the ONNX reference does (last wins,
// or reduce one after another).
void scatter_elements_kernel(const KernelContext& c) {
  const Shape& data = c.in(0).shape;
  const TensorView& idx = c.in(1);
  int64_t axis = c.attrs().get_int("axis", 0);
  if (axis < 0) axis += data.rank();
  const int64_t dim = data[static_cast<int>(axis)];
  check_indices(c, idx, dim);
  copy_data_to_output(c);
  int64_t st[Shape::kMaxRank];
  contiguous_strides(data, st);
  const Reduction red = kernel_reduction(c);
  const size_t es = dtype_size(c.in(0).dtype);
  char* out = static_cast<char*>(c.out(0).data);
  const char* upd = static_cast<const char*>(c.in(2).data);
  for_each_element_index(data, idx.shape, static_cast<int>(axis), 0, idx.numel(), [&](int64_t j, int64_t off) {
    int64_t v = index_at(idx, j);
    if (v < 0) v += dim;
    char* d = out + static_cast<size_t>(off + v * st[axis]) * es;
    if (red == Reduction::kNone) std::memcpy(d, upd + static_cast<size_t>(j) * es, es);
    else reduce_into(c.in(0).dtype, d, upd + static_cast<size_t>(j) * es, 1, red);
  });
}

void infer_scatter_nd(InferContext& ctx) {
  expect_index_dtype(ctx, 1);
  const Shape& data = ctx.shape(0);
  const Shape& idx = ctx.shape(1);
  const Shape& upd = ctx.shape(2);
  if (ctx.dtype(2) != ctx.dtype(0)) ctx.fail("updates' dtype differs from data's");
  if (data.rank() < 1 || idx.rank() < 1) ctx.fail("data and indices must have rank >= 1");
  const int64_t k = idx[idx.rank() - 1];
  if (k < 1 || k > data.rank()) ctx.fail("indices' last dim " + std::to_string(k) + " must be in [1, " + std::to_string(data.rank()) + "]");
  Shape want;
  for (int d = 0; d < idx.rank() - 1; ++d) want.push_back(idx[d]);
  if (want.rank() + data.rank() - k > Shape::kMaxRank) ctx.unsupported("updates rank above " + std::to_string(Shape::kMaxRank));
  for (int d = static_cast<int>(k); d < data.rank(); ++d) want.push_back(data[d]);
  if (upd != want) ctx.fail("updates " + upd.str() + " must have shape " + want.str());
  infer_reduction(ctx);
  if (ctx.is_constant(1)) {
    std::vector<int64_t> v = ctx.constant_ints(1);
    for (size_t i = 0; i < v.size(); ++i) {
      const int64_t dim = data[static_cast<int>(static_cast<int64_t>(i) % k)];
      if (v[i] < -dim || v[i] >= dim) ctx.fail("index " + std::to_string(v[i]) + " out of range for an axis of size " + std::to_string(dim));
    }
  }
  ctx.set_output(0, ctx.dtype(0), data);
}

void scatter_nd_kernel(const KernelContext& c) {
  const Shape& data = c.in(0).shape;
  const TensorView& idx = c.in(1);
  const NdGeometry g = nd_geometry(data, idx.shape, 0);
  for (int64_t t = 0; t < g.tuples; ++t) nd_offset(c, data, 0, idx, t, g.k);  // check first
  copy_data_to_output(c);
  const Reduction red = kernel_reduction(c);
  const size_t es = dtype_size(c.in(0).dtype);
  char* out = static_cast<char*>(c.out(0).data);
  const char* upd = static_cast<const char*>(c.in(2).data);
  for (int64_t t = 0; t < g.tuples; ++t) {
    char* d = out + static_cast<size_t>(nd_offset(c, data, 0, idx, t, g.k)) * es;
    const char* s = upd + static_cast<size_t>(t * g.slice) * es;
    if (red == Reduction::kNone) std::memcpy(d, s, static_cast<size_t>(g.slice) * es);
    else reduce_into(c.in(0).dtype, d, s, g.slice, red);
  }
}

// ---- OneHot ----------------------------------------------------------------------------------

void infer_one_hot(InferContext& ctx) {
  const Shape& idx = ctx.shape(0);
  if (ctx.dtype(0) == DType::kBool) ctx.unsupported("bool indices");
  if (ctx.shape(1).numel() != 1) ctx.fail("depth must hold one value, got " + ctx.shape(1).str());
  if (ctx.shape(2).numel() != 2) ctx.fail("values must hold [off, on], got " + ctx.shape(2).str());
  const double depth_v = load_as_double(ctx.constant(1), 0);
  if (!(depth_v >= 1) || depth_v > 1e12) ctx.fail("depth " + std::to_string(depth_v) + " must be positive");
  const int64_t depth = static_cast<int64_t>(depth_v);
  const int r = idx.rank() + 1;
  if (r > Shape::kMaxRank) ctx.unsupported("output rank above " + std::to_string(Shape::kMaxRank));
  const int axis = normalize_axis(ctx, ctx.attrs().get_int("axis", -1), r);
  Shape out;
  for (int d = 0, s = 0; d < r; ++d) out.push_back(d == axis ? depth : idx[s++]);
  ctx.set_output(0, ctx.dtype(2), out);
}

void one_hot_kernel(const KernelContext& c) {
  const TensorView& idx = c.in(0);
  const TensorView& y = c.out(0);
  const int r = y.shape.rank();
  int64_t axis = c.attrs().get_int("axis", -1);
  if (axis < 0) axis += r;
  const int64_t depth = y.shape[static_cast<int>(axis)];
  const int64_t inner = dims_product(y.shape, static_cast<int>(axis) + 1, r);
  const size_t es = dtype_size(y.dtype);
  const char* values = static_cast<const char*>(c.in(2).data);
  char* dst = static_cast<char*>(y.data);
  fill_elems(dst, values, es, y.numel());  // off everywhere
  const bool int_idx = !dtype_is_float(idx.dtype);
  for (int64_t i = 0; i < idx.numel(); ++i) {
    int64_t v;
    if (idx.dtype == DType::kI64 || idx.dtype == DType::kI32) {
      v = index_at(idx, i);
    } else if (int_idx) {
      v = static_cast<int64_t>(load_as_double(idx, i));
    } else {
      const double f = load_as_double(idx, i);
      if (!std::isfinite(f) || std::fabs(f) > 1e18) continue;
      v = static_cast<int64_t>(f);  // non-integer indices truncate, as a cast to int64 would
    }
    if (v < 0) v += depth;
    if (v < 0 || v >= depth) continue;  // out of range: all off
    const int64_t o = i / inner, in = i - o * inner;
    std::memcpy(dst + static_cast<size_t>((o * depth + v) * inner + in) * es, values + es, es);
  }
}

}  // namespace

void register_movement_index_ops(OpRegistry& r) {
  add_op(r, "GatherElements", infer_gather_elements, gather_elements_kernel);
  add_op(r, "GatherND", infer_gather_nd, gather_nd_kernel);
  add_op(r, "ScatterElements", infer_scatter_elements, scatter_elements_kernel);
  add_op(r, "Scatter", infer_scatter_elements, scatter_elements_kernel);
  add_op(r, "ScatterND", infer_scatter_nd, scatter_nd_kernel);
  add_op(r, "OneHot", infer_one_hot, one_hot_kernel);
}

}  // namespace edgewm
