// Shape and data-movement ops: Shape, Size, the views (Reshape, Flatten, Squeeze, Unsqueeze,
// Identity, Dropout), Transpose, Concat, Split, Slice, Gather. Kernels copy bytes by element
// size, so every dtype works. The other movement ops live in movement_*.cc.
#include <algorithm>
#include <cstring>

#include "ir/op_registry.h"
#include "kernels/ref/movement.h"
#include "kernels/register_ops.h"

namespace edgewm {

namespace {

using namespace ref::mv;

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

// Shape's [start, end) after the opset-15 clamping rules.
std::pair<int, int> shape_range(const Attributes& a, int r) {
  int64_t start = a.get_int("start", 0), end = a.get_int("end", r);
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, 0, r);
  return {static_cast<int>(start), static_cast<int>(std::max(start, end))};
}

void infer_shape(InferContext& ctx) {
  const Shape& s = ctx.shape(0);
  auto [start, end] = shape_range(ctx.attrs(), s.rank());
  std::vector<int64_t> dims;
  for (int i = start; i < end; ++i) dims.push_back(s[i]);
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
  auto [start, end] = shape_range(c.attrs(), c.in(0).shape.rank());
  for (int i = start; i < end; ++i) out[i - start] = c.in(0).shape[i];
}

// ---- views: Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout ----------------------

void infer_reshape(InferContext& ctx) {
  std::vector<int64_t> want = ctx.constant_ints(1);
  const Shape& in = ctx.shape(0);
  const bool allowzero = ctx.node().opset >= 14 && ctx.attrs().get_int("allowzero", 0);
  if (static_cast<int>(want.size()) > Shape::kMaxRank)
    ctx.unsupported("reshape to rank " + std::to_string(want.size()) + " (at most " + std::to_string(Shape::kMaxRank) + ")");
  int infer_at = -1;
  int64_t known = 1;
  bool has_zero = false;
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
      has_zero |= want[i] == 0;
      if (__builtin_mul_overflow(known, want[i], &known)) ctx.fail("shape dimension " + std::to_string(want[i]) + " makes the shape too large");
    }
  }
  if (infer_at >= 0) {
    if (allowzero && has_zero) ctx.fail("allowzero=1 shape has both 0 and -1");
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
  const int64_t outer = dims_product(in, 0, static_cast<int>(axis)), inner = dims_product(in, static_cast<int>(axis), in.rank());
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
  if (rank > Shape::kMaxRank) ctx.unsupported("unsqueeze to rank " + std::to_string(rank) + " (at most " + std::to_string(Shape::kMaxRank) + ")");
  std::vector<bool> mask = axis_mask(ctx, 1, rank);
  Shape out;
  int src = 0;
  for (int i = 0; i < rank; ++i) out.push_back(mask[static_cast<size_t>(i)] ? 1 : in[src++]);
  ctx.set_output(0, ctx.dtype(0), out);
}

void infer_identity(InferContext& ctx) { ctx.set_output(0, ctx.dtype(0), ctx.shape(0)); }

// Inference-mode Dropout is the identity; its mask is all ones. Training mode drops at random,
// which no fixed expected output can check, so it is accepted only with ratio 0.
void infer_dropout(InferContext& ctx) {
  bool training = false;
  if (ctx.node().opset < 7) training = ctx.attrs().get_int("is_test", 0) == 0;
  if (ctx.has_input(2)) {
    const TensorView& t = ctx.constant(2);  // kNeedsConstant when it is a run-time input
    if (t.dtype != DType::kBool || t.numel() != 1) ctx.fail("training_mode must be a bool scalar");
    training = *static_cast<const bool*>(t.data);
  }
  if (training) {
    double ratio = ctx.attrs().get_float("ratio", 0.5f);
    if (ctx.has_input(1)) ratio = load_as_double(ctx.constant(1), 0);  // kNeedsConstant at run time
    if (ratio != 0) ctx.unsupported("training_mode=true with ratio " + std::to_string(ratio) + " (random dropout)");
  }
  ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
  // The mask was of the data's type before opset 10, bool since.
  ctx.set_output(1, ctx.node().opset < 10 ? ctx.dtype(0) : DType::kBool, ctx.shape(0));
}

void dropout_kernel(const KernelContext& c) {
  copy_through(c);
  if (c.outputs.size() > 1 && !c.out(1).empty()) {
    const TensorView& m = c.out(1);
    char one[8];
    store_from_double(m.dtype, one, 1.0);
    fill_elems(m.data, one, dtype_size(m.dtype), m.numel());
  }
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
  auto p = c.attrs().get_ints("perm");
  int64_t in_st[Shape::kMaxRank], out_st[Shape::kMaxRank];
  contiguous_strides(in.shape, in_st);
  contiguous_strides(c.out(0).shape, out_st);
  CopyPlan plan;
  for (int i = 0; i < r; ++i) {
    const int ax = p.empty() ? r - 1 - i : static_cast<int>(p[static_cast<size_t>(i)] < 0 ? p[static_cast<size_t>(i)] + r : p[static_cast<size_t>(i)]);
    plan.add(in.shape[ax], in_st[ax], out_st[i]);
  }
  strided_copy(in.data, c.out(0).data, dtype_size(in.dtype), plan, c.pool);
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

// Concat and Split move [outer, row] blocks: `outer` rows of `row` bytes per part, one part
// after another within each row of the whole.
void concat_kernel(const KernelContext& c) {
  const Shape& out_shape = c.out(0).shape;
  int64_t axis = c.attrs().get_int("axis", 0);
  if (axis < 0) axis += out_shape.rank();
  const size_t es = dtype_size(c.out(0).dtype);
  const int64_t outer = dims_product(out_shape, 0, static_cast<int>(axis));
  if (outer == 0) return;
  const size_t out_row = static_cast<size_t>(out_shape.numel() / outer) * es;
  char* dst = static_cast<char*>(c.out(0).data);
  size_t col = 0;
  for (const TensorView& in : c.inputs) {
    const size_t row = static_cast<size_t>(in.numel() / outer) * es;
    const char* src = static_cast<const char*>(in.data);
    if (outer == 1 && src == dst + col) {  // its producer wrote it in place (passes/plan_memory.h)
      col += row;
      continue;
    }
    split_work(c.pool, outer, std::max<int64_t>(1, kChunkElems * 4 / static_cast<int64_t>(std::max<size_t>(row, 1))),
               [&](int64_t b, int64_t e) {
                 for (int64_t o = b; o < e; ++o) std::memcpy(dst + static_cast<size_t>(o) * out_row + col, src + static_cast<size_t>(o) * row, row);
               });
    col += row;
  }
}

// Split sizes along `axis` from the split input, or even parts (ceil, the last smaller, from
// opset 18). `split` is null when absent. Returns "" or the problem.
std::string split_sizes(int64_t dim, const std::vector<int64_t>* split, int64_t n_out, int64_t num_outputs_attr, int opset,
                        std::vector<int64_t>& sizes) {
  sizes.clear();
  if (split) {
    if (static_cast<int64_t>(split->size()) != n_out)
      return "split has " + std::to_string(split->size()) + " sizes for " + std::to_string(n_out) + " outputs";
    sizes = *split;
  } else {
    const int64_t parts = num_outputs_attr > 0 ? num_outputs_attr : n_out;
    if (parts != n_out) return "num_outputs " + std::to_string(parts) + " differs from the " + std::to_string(n_out) + " outputs";
    if (opset < 18 && dim % parts) return "dim " + std::to_string(dim) + " is not divisible into " + std::to_string(parts) + " outputs";
    const int64_t chunk = (dim + parts - 1) / parts;
    for (int64_t i = 0; i < parts; ++i) sizes.push_back(std::max<int64_t>(0, std::min(chunk, dim - chunk * i)));
  }
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 0) return "negative split size";
    total += s;
  }
  if (total != dim) return "split sizes add up to " + std::to_string(total) + ", the axis has " + std::to_string(dim);
  return "";
}

void infer_split(InferContext& ctx) {
  const Shape& in = ctx.shape(0);
  int axis = normalize_axis(ctx, ctx.attrs().get_int("axis", 0), in.rank());
  std::vector<int64_t> split, sizes;
  if (ctx.has_input(1)) split = ctx.constant_ints(1);
  const int64_t num_outputs = ctx.node().opset >= 18 ? ctx.attrs().get_int("num_outputs", 0) : 0;
  if (ctx.has_input(1) && num_outputs > 0) ctx.fail("both the split input and num_outputs are given");
  std::string err = split_sizes(in[axis], ctx.has_input(1) ? &split : nullptr, static_cast<int64_t>(ctx.num_outputs()),
                                num_outputs, ctx.node().opset, sizes);
  if (!err.empty()) ctx.fail(err);
  for (size_t i = 0; i < sizes.size(); ++i) {
    Shape s = in;
    s[axis] = sizes[i];
    ctx.set_output(i, ctx.dtype(0), s);
  }
}

void split_kernel(const KernelContext& c) {
  const Shape& in_shape = c.in(0).shape;
  int64_t axis = c.attrs().get_int("axis", 0);
  if (axis < 0) axis += in_shape.rank();
  const size_t es = dtype_size(c.in(0).dtype);
  const int64_t outer = dims_product(in_shape, 0, static_cast<int>(axis));
  const int64_t inner = dims_product(in_shape, static_cast<int>(axis) + 1, in_shape.rank());
  const int64_t dim = in_shape[static_cast<int>(axis)];
  if (outer == 0) return;
  const size_t in_row = static_cast<size_t>(dim * inner) * es;
  const int64_t n_out = static_cast<int64_t>(c.outputs.size());
  // Part sizes without allocating: from the split input, or the even rule of split_sizes.
  const int64_t chunk = n_out ? (dim + n_out - 1) / n_out : 0;
  size_t col = 0;
  for (int64_t k = 0; k < n_out; ++k) {
    const int64_t part = c.has_in(1) ? index_at(c.in(1), k) : std::max<int64_t>(0, std::min(chunk, dim - chunk * k));
    const size_t row = static_cast<size_t>(part * inner) * es;
    const TensorView& out = c.out(static_cast<size_t>(k));
    if (!out.empty() && row > 0) {
      char* dst = static_cast<char*>(out.data);
      const char* src = static_cast<const char*>(c.in(0).data) + col;
      split_work(c.pool, outer, std::max<int64_t>(1, kChunkElems * 4 / static_cast<int64_t>(row)), [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) std::memcpy(dst + static_cast<size_t>(o) * row, src + static_cast<size_t>(o) * in_row, row);
      });
    }
    col += row;
  }
}

// ---- Slice ------------------------------------------------------------------------------------

struct SliceSpec {
  int64_t start[Shape::kMaxRank], step[Shape::kMaxRank];
};

// Resolves starts/ends/axes/steps per ONNX (negative indices, clamping, negative steps) into a
// start and step per dim and the output dims. With `ctx` it validates (inference); without it
// trusts the values (the kernel, after inference accepted them).
SliceSpec resolve_slice(const Shape& in, std::span<const int64_t> starts, std::span<const int64_t> ends,
                        std::span<const int64_t> axes, std::span<const int64_t> steps, Shape& out,
                        const InferContext* ctx) {
  SliceSpec sp;
  out = in;
  bool seen[Shape::kMaxRank] = {};
  for (int d = 0; d < in.rank(); ++d) sp.start[d] = 0, sp.step[d] = 1;
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t ax = axes.empty() ? static_cast<int64_t>(i) : axes[i];
    if (ax < 0) ax += in.rank();
    if (ctx && (ax < 0 || ax >= in.rank())) ctx->fail("slice axis " + std::to_string(axes.empty() ? i : axes[i]) + " out of range for rank " + std::to_string(in.rank()));
    const int a = static_cast<int>(ax);
    if (ctx && seen[a]) ctx->fail("slice axis " + std::to_string(a) + " repeated");
    seen[a] = true;
    const int64_t dim = in[a];
    int64_t step = steps.empty() ? 1 : steps[i];
    if (ctx && step == 0) ctx->fail("slice step is 0");
    // A step longer than the axis picks one element, whatever its size: clamp it so the count
    // arithmetic cannot overflow.
    const int64_t max_step = std::max<int64_t>(dim, 1);
    step = std::clamp(step, -max_step, max_step);
    int64_t s = starts[i], e = ends[i];
    if (s < 0) s += dim;  // dim >= 0: never overflows
    if (e < 0) e += dim;
    int64_t count;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      count = e > s ? (e - s - 1) / step + 1 : 0;
    } else if (dim == 0) {
      s = 0;
      count = 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      count = s > e ? (s - e - 1) / (-step) + 1 : 0;
    }
    out[a] = count;
    sp.start[a] = s;
    sp.step[a] = step;
  }
  return sp;
}

void infer_slice(InferContext& ctx) {
  std::vector<int64_t> starts = ctx.constant_ints(1), ends = ctx.constant_ints(2);
  std::vector<int64_t> axes = ctx.has_input(3) ? ctx.constant_ints(3) : std::vector<int64_t>{};
  std::vector<int64_t> steps = ctx.has_input(4) ? ctx.constant_ints(4) : std::vector<int64_t>{};
  if (starts.size() != ends.size() || (ctx.has_input(3) && axes.size() != starts.size()) ||
      (ctx.has_input(4) && steps.size() != starts.size()))
    ctx.fail("starts, ends, axes and steps differ in length");
  if (starts.size() > static_cast<size_t>(ctx.shape(0).rank()))
    ctx.fail(std::to_string(starts.size()) + " slice entries for rank " + std::to_string(ctx.shape(0).rank()));
  Shape out;
  resolve_slice(ctx.shape(0), starts, ends, axes, steps, out, &ctx);
  ctx.set_output(0, ctx.dtype(0), out);
}

void slice_kernel(const KernelContext& c) {
  constexpr int64_t R = Shape::kMaxRank;
  int64_t b0[R], b1[R], b2[R], b3[R];
  const Shape& in = c.in(0).shape;
  Shape out;
  SliceSpec sp = resolve_slice(in, read_ints(c.in(1), b0, R), read_ints(c.in(2), b1, R),
                               c.has_in(3) ? read_ints(c.in(3), b2, R) : std::span<const int64_t>(),
                               c.has_in(4) ? read_ints(c.in(4), b3, R) : std::span<const int64_t>(), out, nullptr);
  const int r = in.rank();
  int64_t in_st[R], out_st[R];
  contiguous_strides(in, in_st);
  contiguous_strides(out, out_st);
  CopyPlan plan;
  int64_t base = 0;
  for (int d = 0; d < r; ++d) {
    base += sp.start[d] * in_st[d];
    plan.add(out[d], sp.step[d] * in_st[d], out_st[d]);
  }
  if (out.numel() == 0) return;
  const size_t es = dtype_size(c.in(0).dtype);
  strided_copy(static_cast<const char*>(c.in(0).data) + base * static_cast<int64_t>(es), c.out(0).data, es, plan, c.pool);
}

// ---- Gather ---------------------------------------------------------------------------------

void infer_gather(InferContext& ctx) {
  const Shape& data = ctx.shape(0);
  const Shape& idx = ctx.shape(1);
  ctx.expect_dtype(1, {DType::kI32, DType::kI64});
  int axis = normalize_axis(ctx, ctx.attrs().get_int("axis", 0), data.rank());
  Shape out;
  if (data.rank() - 1 + idx.rank() > Shape::kMaxRank) ctx.unsupported("output rank above " + std::to_string(Shape::kMaxRank));
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
  const TensorView& idx = c.in(1);
  const size_t es = dtype_size(c.in(0).dtype);
  const int64_t outer = dims_product(data, 0, static_cast<int>(axis));
  const int64_t dim = data[static_cast<int>(axis)];
  const int64_t inner = dims_product(data, static_cast<int>(axis) + 1, data.rank());
  const int64_t n_idx = idx.numel();
  for (int64_t j = 0; j < n_idx; ++j) {  // run-time indices: check them all before writing
    const int64_t v = index_at(idx, j);
    if (v < -dim || v >= dim) index_out_of_range(*c.node, v, dim);
  }
  const char* src = static_cast<const char*>(c.in(0).data);
  char* dst = static_cast<char*>(c.out(0).data);
  const size_t block = static_cast<size_t>(inner) * es;
  if (block == 0) return;
  // One unit per output block, in output order: contiguous writes.
  split_work(c.pool, outer * n_idx, std::max<int64_t>(1, kChunkElems / std::max<int64_t>(inner, 1)), [&](int64_t b, int64_t e) {
    for (int64_t u = b; u < e; ++u) {
      const int64_t o = u / n_idx, j = u - o * n_idx;
      int64_t v = index_at(idx, j);
      if (v < 0) v += dim;
      std::memcpy(dst + static_cast<size_t>(u) * block, src + static_cast<size_t>(o * dim + v) * block, block);
    }
  });
}

}  // namespace

void register_movement_ops(OpRegistry& r) {
  add_op(r, "Shape", infer_shape, write_known_shape);
  add_op(r, "Size", infer_size, write_known_shape);
  add_op(r, "Reshape", infer_reshape, copy_through, true);
  add_op(r, "Flatten", infer_flatten, copy_through, true);
  add_op(r, "Squeeze", infer_squeeze, copy_through, true);
  add_op(r, "Unsqueeze", infer_unsqueeze, copy_through, true);
  add_op(r, "Identity", infer_identity, copy_through, true);
  add_op(r, "Dropout", infer_dropout, dropout_kernel, true);
  add_op(r, "Transpose", infer_transpose, transpose_kernel);
  add_op(r, "Concat", infer_concat, concat_kernel);
  add_op(r, "Split", infer_split, split_kernel);
  add_op(r, "Slice", infer_slice, slice_kernel);
  add_op(r, "Gather", infer_gather, gather_kernel);
  register_movement_pad_ops(r);
  register_movement_index_ops(r);
  register_movement_fill_ops(r);
}

}  // namespace edgewm
