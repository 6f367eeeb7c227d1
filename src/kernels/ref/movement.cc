// Shape and data-movement ops. Kernels copy bytes by element size, so every dtype works.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/thread_pool.h"
#include "ir/op_registry.h"
#include "kernels/ref/dispatch.h"
#include "kernels/register_ops.h"

namespace edgewm {

namespace {

Shape shape_of(const std::vector<int64_t>& v) {
  Shape s;
  for (int64_t d : v) s.push_back(d);
  return s;
}

Tensor i64_tensor(const std::vector<int64_t>& v) {
  Tensor t(DType::kI64, Shape{static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.as<int64_t>());
  return t;
}

void copy_through(const KernelContext& c) {
  if (c.out(0).data != c.in(0).data) std::memcpy(c.out(0).data, c.in(0).data, c.in(0).nbytes());
}

// ---- Shape, Size: known from shapes alone ------------------------------------------------

void infer_shape(InferContext& ctx) {
  const Shape& s = ctx.shape(0);
  int r = s.rank();
  int64_t start = ctx.attrs().get_int("start", 0), end = ctx.attrs().get_int("end", r);
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, 0, r);
  std::vector<int64_t> dims;
  for (int64_t i = start; i < end; ++i) dims.push_back(s[static_cast<int>(i)]);
  ctx.set_output_constant(0, i64_tensor(dims));
}

void infer_size(InferContext& ctx) {
  Tensor t(DType::kI64, Shape{});
  *t.as<int64_t>() = ctx.shape(0).numel();
  ctx.set_output_constant(0, std::move(t));
}

// Never runs in a session (the output is constant and folded), but a kernel keeps the registry
// honest: every op can be evaluated.
void write_known_shape(const KernelContext& c) {
  int64_t* out = static_cast<int64_t*>(c.out(0).data);
  if (c.node->op_type == "Size") {
    out[0] = c.in(0).numel();
    return;
  }
  int r = c.in(0).shape.rank();
  int64_t start = c.attrs().get_int("start", 0), end = c.attrs().get_int("end", r);
  if (start < 0) start += r;
  start = std::clamp<int64_t>(start, 0, r);
  for (int64_t i = 0; i < c.out(0).numel(); ++i) out[i] = c.in(0).shape[static_cast<int>(start + i)];
}

// ---- views: Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout ----------------------

void infer_reshape(InferContext& ctx) {
  std::vector<int64_t> want = ctx.constant_ints(1);
  const Shape& in = ctx.shape(0);
  const bool allowzero = ctx.attrs().get_int("allowzero", 0);
  int infer_at = -1;
  int64_t known = 1;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] == 0 && !allowzero) {
      if (static_cast<int>(i) >= in.rank()) ctx.fail("shape has 0 at " + std::to_string(i) + " beyond the input's rank");
      want[i] = in[static_cast<int>(i)];
    }
    if (want[i] == -1) {
      if (infer_at >= 0) ctx.fail("shape has more than one -1");
      infer_at = static_cast<int>(i);
    } else if (want[i] < 0) {
      ctx.fail("shape has invalid dimension " + std::to_string(want[i]));
    } else {
      known *= want[i];
    }
  }
  if (infer_at >= 0) {
    if (known == 0 || in.numel() % known) ctx.fail("cannot reshape " + in.str() + " with a -1 dimension");
    want[static_cast<size_t>(infer_at)] = in.numel() / known;
  }
  Shape out = shape_of(want);
  if (out.numel() != in.numel()) ctx.fail("cannot reshape " + in.str() + " to " + out.str());
  ctx.set_output(0, ctx.dtype(0), out);
}

void infer_flatten(InferContext& ctx) {
  const Shape& in = ctx.shape(0);
  int64_t axis = ctx.attrs().get_int("axis", 1);
  if (axis < -in.rank() || axis > in.rank()) ctx.fail("axis " + std::to_string(axis) + " out of range");
  if (axis < 0) axis += in.rank();
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < in.rank(); ++i) (i < axis ? outer : inner) *= in[i];
  ctx.set_output(0, ctx.dtype(0), Shape{outer, inner});
}

std::vector<bool> axis_mask(const InferContext& ctx, size_t input, int rank) {
  std::vector<bool> mask(static_cast<size_t>(rank), false);
  if (!ctx.has_input(input)) return mask;
  for (int64_t a : ctx.constant_ints(input)) {
    int ax = normalize_axis(ctx, a, rank, "axes");
    if (mask[static_cast<size_t>(ax)]) ctx.fail("axis " + std::to_string(a) + " repeated");
    mask[static_cast<size_t>(ax)] = true;
  }
  return mask;
}

void infer_squeeze(InferContext& ctx) {
  const Shape& in = ctx.shape(0);
  std::vector<bool> mask = axis_mask(ctx, 1, in.rank());
  const bool all = !ctx.has_input(1);
  Shape out;
  for (int i = 0; i < in.rank(); ++i) {
    if (all ? in[i] == 1 : mask[static_cast<size_t>(i)]) {
      if (in[i] != 1) ctx.fail("cannot squeeze axis " + std::to_string(i) + " of size " + std::to_string(in[i]));
      continue;
    }
    out.push_back(in[i]);
  }
  ctx.set_output(0, ctx.dtype(0), out);
}

void infer_unsqueeze(InferContext& ctx) {
  const Shape& in = ctx.shape(0);
  if (!ctx.has_input(1)) ctx.fail("axes are required");
  std::vector<int64_t> axes = ctx.constant_ints(1);
  int rank = in.rank() + static_cast<int>(axes.size());
  std::vector<bool> mask = axis_mask(ctx, 1, rank);
  Shape out;
  int src = 0;
  for (int i = 0; i < rank; ++i) out.push_back(mask[static_cast<size_t>(i)] ? 1 : in[src++]);
  ctx.set_output(0, ctx.dtype(0), out);
}

void infer_identity(InferContext& ctx) { ctx.set_output(0, ctx.dtype(0), ctx.shape(0)); }

void infer_dropout(InferContext& ctx) {
  if (ctx.has_input(2)) {
    if (!ctx.is_constant(2)) ctx.unsupported("training_mode must be a constant");
    if (*static_cast<const bool*>(ctx.constant(2).data)) ctx.unsupported("training_mode=true");
  }
  ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
  ctx.set_output(1, DType::kBool, ctx.shape(0));
}
void dropout_kernel(const KernelContext& c) {
  copy_through(c);
  if (c.outputs.size() > 1 && !c.out(1).empty()) std::memset(c.out(1).data, 1, c.out(1).nbytes());
}

// ---- Transpose -----------------------------------------------------------------------------

void infer_transpose(InferContext& ctx) {
  const Shape& in = ctx.shape(0);
  auto perm = ctx.attrs().get_ints("perm");
  Shape out;
  if (perm.empty()) {
    for (int i = in.rank() - 1; i >= 0; --i) out.push_back(in[i]);
  } else {
    if (static_cast<int>(perm.size()) != in.rank()) ctx.fail("perm has " + std::to_string(perm.size()) + " entries for rank " + std::to_string(in.rank()));
    std::vector<bool> seen(perm.size(), false);
    for (int64_t p : perm) {
      int ax = normalize_axis(ctx, p, in.rank(), "perm");
      if (seen[static_cast<size_t>(ax)]) ctx.fail("perm repeats an axis");
      seen[static_cast<size_t>(ax)] = true;
      out.push_back(in[ax]);
    }
  }
  ctx.set_output(0, ctx.dtype(0), out);
}

void transpose_kernel(const KernelContext& c) {
  const TensorView& in = c.in(0);
  const int r = in.shape.rank();
  int perm[Shape::kMaxRank];
  auto p = c.attrs().get_ints("perm");
  for (int i = 0; i < r; ++i) perm[i] = p.empty() ? r - 1 - i : static_cast<int>(p[i] < 0 ? p[i] + r : p[i]);
  int64_t in_strides[Shape::kMaxRank];
  int64_t s = 1;
  for (int i = r - 1; i >= 0; --i) in_strides[i] = s, s *= in.shape[i];
  int64_t st[Shape::kMaxRank], dims[Shape::kMaxRank];
  for (int i = 0; i < r; ++i) st[i] = in_strides[perm[i]], dims[i] = in.shape[perm[i]];
  const size_t es = dtype_size(in.dtype);
  const char* src = static_cast<const char*>(in.data);
  char* dst = static_cast<char*>(c.out(0).data);
  const int64_t n = in.numel();
  if (r == 0 || n == 0) {
    std::memcpy(dst, src, in.nbytes());
    return;
  }
  int64_t idx[Shape::kMaxRank] = {};
  int64_t off = 0;
  const int64_t inner = dims[r - 1], inner_st = st[r - 1];
  for (int64_t o = 0; o < n; o += inner) {
    if (inner_st == 1) {
      std::memcpy(dst + o * es, src + off * es, static_cast<size_t>(inner) * es);
    } else {
      for (int64_t i = 0; i < inner; ++i) std::memcpy(dst + (o + i) * es, src + (off + i * inner_st) * es, es);
    }
    for (int d = r - 2; d >= 0; --d) {
      off += st[d];
      if (++idx[d] < dims[d]) break;
      off -= st[d] * dims[d];
      idx[d] = 0;
    }
  }
}

// ---- Concat, Split ---------------------------------------------------------------------------

void infer_concat(InferContext& ctx) {
  const Shape& first = ctx.shape(0);
  int axis = normalize_axis(ctx, ctx.attrs().require_int("axis"), first.rank());
  Shape out = first;
  out[axis] = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const Shape& s = ctx.shape(i);
    if (ctx.dtype(i) != ctx.dtype(0)) ctx.fail("input " + std::to_string(i) + " dtype differs");
    if (s.rank() != first.rank()) ctx.fail("input " + std::to_string(i) + " " + s.str() + " differs in rank from " + first.str());
    for (int d = 0; d < s.rank(); ++d)
      if (d != axis && s[d] != first[d]) ctx.fail("input " + std::to_string(i) + " " + s.str() + " does not match " + first.str());
    out[axis] += s[axis];
  }
  ctx.set_output(0, ctx.dtype(0), out);
}

// Outer count and per-row byte sizes for an [outer, axis*inner] view at `axis`.
int64_t outer_of(const Shape& s, int axis) {
  int64_t n = 1;
  for (int i = 0; i < axis; ++i) n *= s[i];
  return n;
}

void concat_kernel(const KernelContext& c) {
  const Shape& out_shape = c.out(0).shape;
  int64_t axis = c.attrs().get_int("axis", 0);
  if (axis < 0) axis += out_shape.rank();
  const size_t es = dtype_size(c.out(0).dtype);
  const int64_t outer = outer_of(out_shape, static_cast<int>(axis));
  const size_t out_row = static_cast<size_t>(out_shape.numel() / std::max<int64_t>(outer, 1)) * es;
  size_t col = 0;
  for (const TensorView& in : c.inputs) {
    const size_t row = outer ? static_cast<size_t>(in.numel() / outer) * es : 0;
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(static_cast<char*>(c.out(0).data) + static_cast<size_t>(o) * out_row + col,
                  static_cast<const char*>(in.data) + static_cast<size_t>(o) * row, row);
    col += row;
  }
}

void infer_split(InferContext& ctx) {
  const Shape& in = ctx.shape(0);
  int axis = normalize_axis(ctx, ctx.attrs().get_int("axis", 0), in.rank());
  const int64_t n_out = static_cast<int64_t>(ctx.num_outputs());
  std::vector<int64_t> sizes;
  if (ctx.has_input(1)) {
    sizes = ctx.constant_ints(1);
    if (static_cast<int64_t>(sizes.size()) != n_out) ctx.fail("split has " + std::to_string(sizes.size()) + " sizes for " + std::to_string(n_out) + " outputs");
  } else {
    int64_t parts = ctx.attrs().get_int("num_outputs", n_out);
    if (parts != n_out) ctx.fail("num_outputs differs from the number of outputs");
    // Uneven: every chunk ceil(dim / n), the last takes the rest (opset 18 rule).
    int64_t chunk = (in[axis] + parts - 1) / parts;
    for (int64_t i = 0; i < parts; ++i) sizes.push_back(std::max<int64_t>(0, std::min(chunk, in[axis] - chunk * i)));
    if (ctx.node().opset < 18 && in[axis] % parts) ctx.fail("dim " + std::to_string(in[axis]) + " is not divisible into " + std::to_string(parts) + " outputs");
  }
  int64_t total = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] < 0) ctx.fail("negative split size");
    Shape s = in;
    s[axis] = sizes[i];
    total += sizes[i];
    ctx.set_output(i, ctx.dtype(0), s);
  }
  if (total != in[axis]) ctx.fail("split sizes add up to " + std::to_string(total) + ", the axis has " + std::to_string(in[axis]));
}

void split_kernel(const KernelContext& c) {
  const Shape& in_shape = c.in(0).shape;
  int64_t axis = c.attrs().get_int("axis", 0);
  if (axis < 0) axis += in_shape.rank();
  const size_t es = dtype_size(c.in(0).dtype);
  const int64_t outer = outer_of(in_shape, static_cast<int>(axis));
  const size_t in_row = outer ? static_cast<size_t>(in_shape.numel() / outer) * es : 0;
  size_t col = 0;
  for (const TensorView& out : c.outputs) {
    if (out.empty()) continue;
    const size_t row = outer ? static_cast<size_t>(out.numel() / outer) * es : 0;
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(static_cast<char*>(out.data) + static_cast<size_t>(o) * row,
                  static_cast<const char*>(c.in(0).data) + static_cast<size_t>(o) * in_row + col, row);
    col += row;
  }
}

// ---- Slice ------------------------------------------------------------------------------------

struct SliceSpec {
  int64_t start[Shape::kMaxRank], step[Shape::kMaxRank];
};

// Resolves starts/ends/axes/steps per ONNX (clamping, negative steps); fills out dims.
SliceSpec resolve_slice(const Shape& in, std::span<const int64_t> starts, std::span<const int64_t> ends,
                        std::span<const int64_t> axes, std::span<const int64_t> steps, Shape& out,
                        const InferContext* ctx) {
  SliceSpec sp;
  out = in;
  for (int d = 0; d < in.rank(); ++d) sp.start[d] = 0, sp.step[d] = 1;
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t ax = axes.empty() ? static_cast<int64_t>(i) : axes[i];
    if (ax < 0) ax += in.rank();
    if (ctx && (ax < 0 || ax >= in.rank())) ctx->fail("slice axis out of range");
    const int a = static_cast<int>(ax);
    const int64_t dim = in[a];
    int64_t step = steps.empty() ? 1 : steps[i];
    if (ctx && step == 0) ctx->fail("slice step is 0");
    int64_t s = starts[i], e = ends[i];
    if (s < 0) s += dim;
    if (e < 0 && e > std::numeric_limits<int64_t>::min() / 2) e += dim;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      out[a] = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      out[a] = s > e ? (s - e - step - 1) / (-step) : 0;
    }
    sp.start[a] = s;
    sp.step[a] = step;
  }
  return sp;
}

void infer_slice(InferContext& ctx) {
  std::vector<int64_t> starts = ctx.constant_ints(1), ends = ctx.constant_ints(2);
  std::vector<int64_t> axes = ctx.has_input(3) ? ctx.constant_ints(3) : std::vector<int64_t>{};
  std::vector<int64_t> steps = ctx.has_input(4) ? ctx.constant_ints(4) : std::vector<int64_t>{};
  if (starts.size() != ends.size() || (!axes.empty() && axes.size() != starts.size()) ||
      (!steps.empty() && steps.size() != starts.size()))
    ctx.fail("starts, ends, axes and steps differ in length");
  Shape out;
  resolve_slice(ctx.shape(0), starts, ends, axes, steps, out, &ctx);
  ctx.set_output(0, ctx.dtype(0), out);
}

// Reads an integer input (i32 or i64) into a stack buffer; slice parameters are tiny.
std::span<const int64_t> read_ints(const TensorView& t, int64_t* buf) {
  const int64_t n = std::min<int64_t>(t.numel(), Shape::kMaxRank);
  for (int64_t i = 0; i < n; ++i)
    buf[i] = t.dtype == DType::kI64 ? static_cast<const int64_t*>(t.data)[i] : static_cast<const int32_t*>(t.data)[i];
  return {buf, static_cast<size_t>(n)};
}

void slice_kernel(const KernelContext& c) {
  int64_t b0[Shape::kMaxRank], b1[Shape::kMaxRank], b2[Shape::kMaxRank], b3[Shape::kMaxRank];
  const Shape& in = c.in(0).shape;
  Shape out;
  SliceSpec sp = resolve_slice(in, read_ints(c.in(1), b0), read_ints(c.in(2), b1),
                               c.has_in(3) ? read_ints(c.in(3), b2) : std::span<const int64_t>(),
                               c.has_in(4) ? read_ints(c.in(4), b3) : std::span<const int64_t>(), out, nullptr);
  const int r = in.rank();
  const size_t es = dtype_size(c.in(0).dtype);
  const int64_t n = out.numel();
  if (n == 0) return;
  if (r == 0) {
    std::memcpy(c.out(0).data, c.in(0).data, es);
    return;
  }
  int64_t in_st[Shape::kMaxRank];
  int64_t s = 1;
  for (int i = r - 1; i >= 0; --i) in_st[i] = s, s *= in[i];
  int64_t base = 0;
  for (int d = 0; d < r; ++d) base += sp.start[d] * in_st[d];
  int64_t idx[Shape::kMaxRank] = {};
  const char* src = static_cast<const char*>(c.in(0).data);
  char* dst = static_cast<char*>(c.out(0).data);
  const int64_t inner = out[r - 1], inner_step = sp.step[r - 1];
  int64_t off = base;
  for (int64_t o = 0; o < n; o += inner) {
    if (inner_step == 1) {
      std::memcpy(dst + o * es, src + off * es, static_cast<size_t>(inner) * es);
    } else {
      for (int64_t i = 0; i < inner; ++i) std::memcpy(dst + (o + i) * es, src + (off + i * inner_step) * es, es);
    }
    for (int d = r - 2; d >= 0; --d) {
      off += sp.step[d] * in_st[d];
      if (++idx[d] < out[d]) break;
      off -= sp.step[d] * in_st[d] * out[d];
      idx[d] = 0;
    }
  }
}

// ---- Gather ---------------------------------------------------------------------------------

void infer_gather(InferContext& ctx) {
  const Shape& data = ctx.shape(0);
  const Shape& idx = ctx.shape(1);
  ctx.expect_dtype(1, {DType::kI32, DType::kI64});
  int axis = normalize_axis(ctx, ctx.attrs().get_int("axis", 0), data.rank());
  Shape out;
  for (int i = 0; i < axis; ++i) out.push_back(data[i]);
  for (int64_t d : idx.dims()) out.push_back(d);
  for (int i = axis + 1; i < data.rank(); ++i) out.push_back(data[i]);
  if (ctx.is_constant(1)) {  // check indices now when we can
    for (int64_t v : ctx.constant_ints(1))
      if (v < -data[axis] || v >= data[axis]) ctx.fail("index " + std::to_string(v) + " out of range for axis of size " + std::to_string(data[axis]));
  }
  ctx.set_output(0, ctx.dtype(0), out);
}

void gather_kernel(const KernelContext& c) {
  const Shape& data = c.in(0).shape;
  int64_t axis = c.attrs().get_int("axis", 0);
  if (axis < 0) axis += data.rank();
  const size_t es = dtype_size(c.in(0).dtype);
  const int64_t outer = outer_of(data, static_cast<int>(axis));
  const int64_t dim = data[static_cast<int>(axis)];
  int64_t inner = 1;
  for (int i = static_cast<int>(axis) + 1; i < data.rank(); ++i) inner *= data[i];
  const int64_t n_idx = c.in(1).numel();
  const char* src = static_cast<const char*>(c.in(0).data);
  char* dst = static_cast<char*>(c.out(0).data);
  const size_t block = static_cast<size_t>(inner) * es;
  for (int64_t j = 0; j < n_idx; ++j) {
    int64_t v = c.in(1).dtype == DType::kI64 ? static_cast<const int64_t*>(c.in(1).data)[j]
                                             : static_cast<const int32_t*>(c.in(1).data)[j];
    if (v < 0) v += dim;
    if (v < 0 || v >= dim)
      throw Error(ErrorKind::kInvalidArgument, Graph::where(*c.node) + ": index " + std::to_string(v) + " out of range [0, " + std::to_string(dim) + ")");
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(dst + static_cast<size_t>(o * n_idx + j) * block, src + static_cast<size_t>(o * dim + v) * block, block);
  }
}

// ---- Tile, ConstantOfShape, Range ----------------------------------------------------------

void infer_tile(InferContext& ctx) {
  std::vector<int64_t> reps = ctx.constant_ints(1);
  const Shape& in = ctx.shape(0);
  if (static_cast<int>(reps.size()) != in.rank()) ctx.fail("repeats has " + std::to_string(reps.size()) + " entries for rank " + std::to_string(in.rank()));
  Shape out;
  for (int i = 0; i < in.rank(); ++i) {
    if (reps[static_cast<size_t>(i)] < 0) ctx.fail("negative repeat");
    out.push_back(in[i] * reps[static_cast<size_t>(i)]);
  }
  ctx.set_output(0, ctx.dtype(0), out);
}

void tile_kernel(const KernelContext& c) {
  const Shape& in = c.in(0).shape;
  const Shape& out = c.out(0).shape;
  const int r = out.rank();
  const size_t es = dtype_size(c.in(0).dtype);
  int64_t in_st[Shape::kMaxRank];
  int64_t s = 1;
  for (int i = r - 1; i >= 0; --i) in_st[i] = s, s *= in[i];
  int64_t idx[Shape::kMaxRank] = {};
  const char* src = static_cast<const char*>(c.in(0).data);
  char* dst = static_cast<char*>(c.out(0).data);
  for (int64_t o = 0; o < out.numel(); ++o) {
    int64_t off = 0;
    for (int d = 0; d < r; ++d) off += (idx[d] % in[d]) * in_st[d];
    std::memcpy(dst + o * es, src + off * es, es);
    for (int d = r - 1; d >= 0; --d) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
}

void infer_constant_of_shape(InferContext& ctx) {
  std::vector<int64_t> dims = ctx.constant_ints(0);
  const Tensor* value = ctx.attrs().get_tensor("value");
  if (value && value->numel() != 1) ctx.fail("value must hold one element");
  for (int64_t d : dims)
    if (d < 0) ctx.fail("negative dimension");
  ctx.set_output(0, value ? value->dtype() : DType::kF32, shape_of(dims));
}

void constant_of_shape_kernel(const KernelContext& c) {
  const Tensor* value = c.attrs().get_tensor("value");
  const size_t es = dtype_size(c.out(0).dtype);
  char* dst = static_cast<char*>(c.out(0).data);
  if (!value) {
    std::memset(dst, 0, c.out(0).nbytes());
    return;
  }
  for (int64_t i = 0; i < c.out(0).numel(); ++i) std::memcpy(dst + i * es, value->data(), es);
}

void infer_range(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kI16, DType::kI32, DType::kI64});
  for (size_t i = 1; i < 3; ++i)
    if (ctx.dtype(i) != ctx.dtype(0)) ctx.fail("start, limit and delta must share a dtype");
  double v[3];
  for (size_t i = 0; i < 3; ++i) {
    const TensorView& t = ctx.constant(i);
    v[i] = ref::dispatch_numeric(t.dtype, [&](auto tag) { return double(*static_cast<const decltype(tag)*>(t.data)); });
  }
  if (v[2] == 0) ctx.fail("delta is 0");
  int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((v[1] - v[0]) / v[2])));
  ctx.set_output(0, ctx.dtype(0), Shape{n});
}

void range_kernel(const KernelContext& c) {
  ref::dispatch_numeric(c.out(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    T start = *static_cast<const T*>(c.in(0).data), delta = *static_cast<const T*>(c.in(2).data);
    T* y = static_cast<T*>(c.out(0).data);
    for (int64_t i = 0; i < c.out(0).numel(); ++i) y[i] = static_cast<T>(start + static_cast<T>(i) * delta);
  });
}

// ---- Pad --------------------------------------------------------------------------------------

void infer_pad(InferContext& ctx) {
  const Shape& in = ctx.shape(0);
  std::string_view mode = ctx.attrs().get_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    ctx.unsupported("mode '" + std::string(mode) + "'");
  std::vector<int64_t> pads = ctx.constant_ints(1);
  std::vector<int64_t> axes;
  if (ctx.has_input(3)) {
    for (int64_t a : ctx.constant_ints(3)) axes.push_back(normalize_axis(ctx, a, in.rank(), "axes"));
  } else {
    for (int i = 0; i < in.rank(); ++i) axes.push_back(i);
  }
  if (pads.size() != 2 * axes.size()) ctx.fail("pads has " + std::to_string(pads.size()) + " values for " + std::to_string(axes.size()) + " axes");
  if (ctx.has_input(2) && ctx.shape(2).numel() != 1) ctx.fail("constant_value must be a scalar");
  Shape out = in;
  for (size_t i = 0; i < axes.size(); ++i) {
    int a = static_cast<int>(axes[i]);
    out[a] = in[a] + pads[i] + pads[i + axes.size()];
    if (out[a] < 0) ctx.fail("pads shrink axis " + std::to_string(a) + " below zero");
    if (mode == "reflect" && (pads[i] >= in[a] || pads[i + axes.size()] >= in[a]) && (pads[i] > 0 || pads[i + axes.size()] > 0))
      ctx.unsupported("reflect padding of " + std::to_string(std::max(pads[i], pads[i + axes.size()])) + " on an axis of size " + std::to_string(in[a]));
    if ((mode == "edge" || mode == "wrap" || mode == "reflect") && in[a] == 0 && out[a] > 0) ctx.fail("cannot pad an empty axis in mode " + std::string(mode));
  }
  ctx.set_output(0, ctx.dtype(0), out);
}

void pad_kernel(const KernelContext& c) {
  const Shape& in = c.in(0).shape;
  const Shape& out = c.out(0).shape;
  const int r = in.rank();
  int64_t begin[Shape::kMaxRank] = {};
  int64_t buf_p[2 * Shape::kMaxRank], buf_a[Shape::kMaxRank];
  const TensorView& pt = c.in(1);
  const int64_t np = std::min<int64_t>(pt.numel(), 2 * Shape::kMaxRank);
  for (int64_t i = 0; i < np; ++i)
    buf_p[i] = pt.dtype == DType::kI64 ? static_cast<const int64_t*>(pt.data)[i] : static_cast<const int32_t*>(pt.data)[i];
  int n_axes = r;
  if (c.has_in(3)) {
    auto ax = read_ints(c.in(3), buf_a);
    n_axes = static_cast<int>(ax.size());
    for (int i = 0; i < n_axes; ++i) buf_a[i] = ax[static_cast<size_t>(i)] < 0 ? ax[static_cast<size_t>(i)] + r : ax[static_cast<size_t>(i)];
  } else {
    for (int i = 0; i < r; ++i) buf_a[i] = i;
  }
  for (int i = 0; i < n_axes; ++i) begin[buf_a[i]] = buf_p[i];
  std::string_view mode = c.attrs().get_string("mode", "constant");
  const size_t es = dtype_size(c.in(0).dtype);
  char zero[16] = {};
  const char* fill = c.has_in(2) ? static_cast<const char*>(c.in(2).data) : zero;
  int64_t in_st[Shape::kMaxRank];
  int64_t s = 1;
  for (int i = r - 1; i >= 0; --i) in_st[i] = s, s *= in[i];
  int64_t idx[Shape::kMaxRank] = {};
  const char* src = static_cast<const char*>(c.in(0).data);
  char* dst = static_cast<char*>(c.out(0).data);
  for (int64_t o = 0; o < out.numel(); ++o) {
    int64_t off = 0;
    bool outside = false;
    for (int d = 0; d < r; ++d) {
      int64_t i = idx[d] - begin[d];
      const int64_t n = in[d];
      if (i < 0 || i >= n) {
        if (mode == "constant") {
          outside = true;
          break;
        } else if (mode == "edge") {
          i = i < 0 ? 0 : n - 1;
        } else if (mode == "wrap") {
          i = ((i % n) + n) % n;
        } else {  // reflect, without repeating the edge
          const int64_t period = 2 * (n - 1);
          i = period == 0 ? 0 : ((i % period) + period) % period;
          if (i >= n) i = period - i;
        }
      }
      off += i * in_st[d];
    }
    std::memcpy(dst + o * es, outside ? fill : src + off * es, es);
    for (int d = r - 1; d >= 0; --d) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
}

// ---- DepthToSpace / SpaceToDepth: reshape + transpose of NCHW ----------------------------------

void infer_depth_space(InferContext& ctx) {
  const Shape& in = ctx.shape(0);
  if (in.rank() != 4) ctx.fail("input must be NCHW, got " + in.str());
  int64_t b = ctx.attrs().require_int("blocksize");
  if (b <= 0) ctx.fail("blocksize must be positive");
  std::string_view mode = ctx.attrs().get_string("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") ctx.unsupported("mode '" + std::string(mode) + "'");
  if (ctx.node().op_type == "DepthToSpace") {
    if (in[1] % (b * b)) ctx.fail("channels not divisible by blocksize^2");
    ctx.set_output(0, ctx.dtype(0), Shape{in[0], in[1] / (b * b), in[2] * b, in[3] * b});
  } else {
    if (in[2] % b || in[3] % b) ctx.fail("spatial dims not divisible by blocksize");
    ctx.set_output(0, ctx.dtype(0), Shape{in[0], in[1] * b * b, in[2] / b, in[3] / b});
  }
}

void depth_space_kernel(const KernelContext& c) {
  const bool d2s = c.node->op_type == "DepthToSpace";
  const bool crd = c.attrs().get_string("mode", "DCR") == "CRD";
  const int64_t b = c.attrs().get_int("blocksize", 1);
  const Shape& big = d2s ? c.out(0).shape : c.in(0).shape;  // the spatial side
  const int64_t N = big[0], C = big[1], H = big[2] / b, W = big[3] / b;
  const size_t es = dtype_size(c.in(0).dtype);
  const char* src = static_cast<const char*>(c.in(0).data);
  char* dst = static_cast<char*>(c.out(0).data);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t ch = 0; ch < C; ++ch)
      for (int64_t bi = 0; bi < b; ++bi)
        for (int64_t bj = 0; bj < b; ++bj) {
          // Depth index of (ch, bi, bj) in the [C*b*b] channel axis.
          int64_t dc = crd ? (ch * b + bi) * b + bj : (bi * b + bj) * C + ch;
          for (int64_t h = 0; h < H; ++h)
            for (int64_t w = 0; w < W; ++w) {
              int64_t depth_off = ((n * C * b * b + dc) * H + h) * W + w;
              int64_t space_off = ((n * C + ch) * H * b + h * b + bi) * W * b + w * b + bj;
              if (d2s) std::memcpy(dst + space_off * es, src + depth_off * es, es);
              else std::memcpy(dst + depth_off * es, src + space_off * es, es);
            }
        }
}

void add(OpRegistry& r, const char* op, InferFn infer, KernelFn fn, bool aliases = false) {
  OpSchema s;
  s.op_type = op;
  s.infer = infer;
  s.output_aliases_input = aliases;
  s.kernels.push_back(KernelDef{"ref", fn});
  r.add(std::move(s));
}

}  // namespace

void register_movement_ops(OpRegistry& r) {
  add(r, "Shape", infer_shape, write_known_shape);
  add(r, "Size", infer_size, write_known_shape);
  add(r, "Reshape", infer_reshape, copy_through, true);
  add(r, "Flatten", infer_flatten, copy_through, true);
  add(r, "Squeeze", infer_squeeze, copy_through, true);
  add(r, "Unsqueeze", infer_unsqueeze, copy_through, true);
  add(r, "Identity", infer_identity, copy_through, true);
  add(r, "Dropout", infer_dropout, dropout_kernel, true);
  add(r, "Transpose", infer_transpose, transpose_kernel);
  add(r, "Concat", infer_concat, concat_kernel);
  add(r, "Split", infer_split, split_kernel);
  add(r, "Slice", infer_slice, slice_kernel);
  add(r, "Gather", infer_gather, gather_kernel);
  add(r, "Tile", infer_tile, tile_kernel);
  add(r, "ConstantOfShape", infer_constant_of_shape, constant_of_shape_kernel);
  add(r, "Range", infer_range, range_kernel);
  add(r, "Pad", infer_pad, pad_kernel);
  add(r, "DepthToSpace", infer_depth_space, depth_space_kernel);
  add(r, "SpaceToDepth", infer_depth_space, depth_space_kernel);
}

}  // namespace edgewm
