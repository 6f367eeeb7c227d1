// Pad, CenterCropPad, Tile, DepthToSpace, SpaceToDepth, ReverseSequence.
#include <algorithm>
#include <cstring>

#include "kernels/ref/movement.h"

namespace edgewm {

namespace {

using namespace ref::mv;

// ---- Pad, CenterCropPad ---------------------------------------------------------------------

enum class PadMode { kConstant, kReflect, kEdge, kWrap };

PadMode pad_mode(std::string_view m) {
  if (m == "reflect") return PadMode::kReflect;
  if (m == "edge") return PadMode::kEdge;
  if (m == "wrap") return PadMode::kWrap;
  return PadMode::kConstant;
}

// One axis of a padding: negative pads crop first (as ONNX Runtime does), then the remaining
// `keep` input elements starting at `crop` sit at output offset `lead`, and the mode fills the
// rest of the output from them.
struct PadAxis {
  int64_t crop = 0, keep = 0, lead = 0;
  PadAxis(int64_t in, int64_t out, int64_t begin) {
    const int64_t end = out - in - begin;
    crop = std::max<int64_t>(0, -begin);
    lead = std::max<int64_t>(0, begin);
    keep = std::max<int64_t>(0, in - crop - std::max<int64_t>(0, -end));
  }
  PadAxis() = default;
  // Input index for output position p, or -1 for the constant.
  int64_t source(int64_t p, PadMode mode) const {
    int64_t j = p - lead;
    if (j >= 0 && j < keep) return crop + j;
    switch (mode) {
      case PadMode::kConstant: return -1;
      case PadMode::kEdge: j = j < 0 ? 0 : keep - 1; break;
      case PadMode::kWrap: j = ((j % keep) + keep) % keep; break;
      case PadMode::kReflect: {  // numpy's reflect: mirror without repeating the edge, periodically
        const int64_t period = 2 * (keep - 1);
        if (period == 0) {
          j = 0;
        } else {
          j = ((j % period) + period) % period;
          if (j >= keep) j = period - j;
        }
        break;
      }
    }
    return crop + j;
  }
};

// out = pad(in) with signed begin pads per axis (the end pads follow from the shapes).
void pad_run(const TensorView& in, const TensorView& out, const int64_t* begin, PadMode mode, const void* fill,
             ThreadPool* pool) {
  const int r = in.shape.rank();
  const size_t es = dtype_size(in.dtype);
  const char* src = static_cast<const char*>(in.data);
  char* dst = static_cast<char*>(out.data);
  if (out.numel() == 0) return;
  if (r == 0) {
    std::memcpy(dst, src, es);
    return;
  }
  PadAxis ax[Shape::kMaxRank];
  for (int d = 0; d < r; ++d) ax[d] = PadAxis(in.shape[d], out.shape[d], begin[d]);
  int64_t in_st[Shape::kMaxRank];
  contiguous_strides(in.shape, in_st);
  const int64_t W = out.shape[r - 1];
  const PadAxis& last = ax[r - 1];
  const int64_t rows = out.numel() / W;
  split_work(pool, rows, std::max<int64_t>(1, kChunkElems / W), [&](int64_t b, int64_t e) {
    int64_t idx[Shape::kMaxRank] = {};
    int64_t rem = b;
    for (int d = r - 2; d >= 0; --d) idx[d] = rem % out.shape[d], rem /= out.shape[d];
    for (int64_t row = b; row < e; ++row) {
      char* o = dst + static_cast<size_t>(row * W) * es;
      int64_t off = 0;
      bool outside = false;
      for (int d = 0; d < r - 1 && !outside; ++d) {
        const int64_t s = ax[d].source(idx[d], mode);
        outside = s < 0;
        off += s * in_st[d];
      }
      if (outside) {
        fill_elems(o, fill, es, W);
      } else {
        const char* irow = src + static_cast<size_t>(off) * es;
        const int64_t mid_end = last.lead + last.keep;
        for (int64_t p = 0; p < last.lead; ++p) {
          const int64_t s = last.source(p, mode);
          std::memcpy(o + p * es, s < 0 ? static_cast<const char*>(fill) : irow + s * es, es);
        }
        std::memcpy(o + last.lead * es, irow + last.crop * es, static_cast<size_t>(last.keep) * es);
        for (int64_t p = mid_end; p < W; ++p) {
          const int64_t s = last.source(p, mode);
          std::memcpy(o + p * es, s < 0 ? static_cast<const char*>(fill) : irow + s * es, es);
        }
      }
      for (int d = r - 2; d >= 0; --d) {
        if (++idx[d] < out.shape[d]) break;
        idx[d] = 0;
      }
    }
  });
}

void infer_pad(InferContext& ctx) {
  const Shape& in = ctx.shape(0);
  std::string_view mode = ctx.attrs().get_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    ctx.unsupported("mode '" + std::string(mode) + "'");
  std::vector<int64_t> pads = ctx.constant_ints(1);
  std::vector<int64_t> axes;
  if (ctx.has_input(3)) {
    std::vector<bool> seen(static_cast<size_t>(in.rank()), false);
    for (int64_t a : ctx.constant_ints(3)) {
      const int ax = normalize_axis(ctx, a, in.rank(), "axes");
      if (seen[static_cast<size_t>(ax)]) ctx.fail("axis " + std::to_string(a) + " repeated");
      seen[static_cast<size_t>(ax)] = true;
      axes.push_back(ax);
    }
  } else {
    for (int i = 0; i < in.rank(); ++i) axes.push_back(i);
  }
  if (pads.size() != 2 * axes.size()) ctx.fail("pads has " + std::to_string(pads.size()) + " values for " + std::to_string(axes.size()) + " axes");
  if (ctx.has_input(2)) {
    if (ctx.shape(2).numel() > 1) ctx.fail("constant_value must be a scalar, got " + ctx.shape(2).str());
    if (ctx.dtype(2) != ctx.dtype(0)) ctx.fail("constant_value's dtype differs from the data's");
  }
  Shape out = in;
  for (size_t i = 0; i < axes.size(); ++i) {
    const int a = static_cast<int>(axes[i]);
    const int64_t pb = pads[i], pe = pads[i + axes.size()];
    out[a] = in[a] + pb + pe;
    if (out[a] < 0) ctx.fail("pads shrink axis " + std::to_string(a) + " below zero");
    if (mode != "constant" && (pb > 0 || pe > 0) && PadAxis(in[a], out[a], pb).keep == 0)
      ctx.fail("cannot pad an axis with no elements left in mode '" + std::string(mode) + "'");
  }
  ctx.set_output(0, ctx.dtype(0), out);
}

void pad_kernel(const KernelContext& c) {
  const int r = c.in(0).shape.rank();
  int64_t pads[2 * Shape::kMaxRank], axes[Shape::kMaxRank], begin[Shape::kMaxRank] = {};
  auto p = read_ints(c.in(1), pads, 2 * Shape::kMaxRank);
  const size_t n_axes = p.size() / 2;
  if (c.has_in(3)) {
    read_ints(c.in(3), axes, Shape::kMaxRank);
  } else {
    for (int i = 0; i < r; ++i) axes[i] = i;
  }
  for (size_t i = 0; i < n_axes; ++i) begin[axes[i] < 0 ? axes[i] + r : axes[i]] = p[i];
  const uint64_t zero = 0;
  const void* fill = c.has_in(2) && c.in(2).numel() == 1 ? c.in(2).data : &zero;
  pad_run(c.in(0), c.out(0), begin, pad_mode(c.attrs().get_string("mode", "constant")), fill, c.pool);
}

// CenterCropPad: per listed axis, crop or zero-pad symmetrically to the target size (the odd
// element goes to the end).
void infer_center_crop_pad(InferContext& ctx) {
  const Shape& in = ctx.shape(0);
  std::vector<int64_t> shape = ctx.constant_ints(1);
  auto axes_attr = ctx.attrs().get_ints("axes");
  std::vector<int> axes;
  std::vector<bool> seen(static_cast<size_t>(in.rank()), false);
  if (axes_attr.empty()) {
    for (int i = 0; i < in.rank(); ++i) axes.push_back(i);
  } else {
    for (int64_t a : axes_attr) {
      const int ax = normalize_axis(ctx, a, in.rank(), "axes");
      if (seen[static_cast<size_t>(ax)]) ctx.fail("axis " + std::to_string(a) + " repeated");
      seen[static_cast<size_t>(ax)] = true;
      axes.push_back(ax);
    }
  }
  if (shape.size() != axes.size()) ctx.fail("shape has " + std::to_string(shape.size()) + " values for " + std::to_string(axes.size()) + " axes");
  Shape out = in;
  for (size_t i = 0; i < axes.size(); ++i) {
    if (shape[i] < 0) ctx.fail("negative target size");
    out[axes[i]] = shape[i];
  }
  ctx.set_output(0, ctx.dtype(0), out);
}

void center_crop_pad_kernel(const KernelContext& c) {
  const Shape& in = c.in(0).shape;
  const Shape& out = c.out(0).shape;
  int64_t begin[Shape::kMaxRank] = {};
  for (int d = 0; d < in.rank(); ++d) {
    const int64_t diff = out[d] - in[d];  // > 0 pads, < 0 crops; the floor half goes first
    begin[d] = diff >= 0 ? diff / 2 : -((-diff) / 2);
  }
  const uint64_t zero = 0;
  pad_run(c.in(0), c.out(0), begin, PadMode::kConstant, &zero, c.pool);
}

// ---- Tile: a strided copy over (repeat, dim) pairs with stride 0 for the repeats ----------------

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
  if (out.numel() == 0) return;
  int64_t in_st[Shape::kMaxRank], out_st[Shape::kMaxRank];
  contiguous_strides(in, in_st);
  contiguous_strides(out, out_st);
  CopyPlan plan;
  for (int d = 0; d < in.rank(); ++d) {
    plan.add(out[d] / in[d], 0, in[d] * out_st[d]);  // which repeat
    plan.add(in[d], in_st[d], out_st[d]);            // where in the input
  }
  strided_copy(c.in(0).data, c.out(0).data, dtype_size(c.in(0).dtype), plan, c.pool);
}

// ---- DepthToSpace / SpaceToDepth: a reshape + transpose of NCHW, as one strided copy -------------

void infer_depth_space(InferContext& ctx) {
  const Shape& in = ctx.shape(0);
  if (in.rank() != 4) ctx.fail("input must be NCHW, got " + in.str());
  int64_t b = ctx.attrs().require_int("blocksize");
  if (b <= 0) ctx.fail("blocksize must be positive");
  std::string_view mode = ctx.attrs().get_string("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") ctx.unsupported("mode '" + std::string(mode) + "'");
  if (ctx.node().op_type == "DepthToSpace") {
    if (b > in[1] / b || in[1] % (b * b)) ctx.fail("channels not divisible by blocksize^2");  // b * b <= C: exact
    ctx.set_output(0, ctx.dtype(0), Shape{in[0], in[1] / (b * b), in[2] * b, in[3] * b});
  } else {
    if (in[2] % b || in[3] % b) ctx.fail("spatial dims not divisible by blocksize");
    int64_t c = 0;
    if (__builtin_mul_overflow(in[1], b, &c) || __builtin_mul_overflow(c, b, &c))
      ctx.fail("blocksize " + std::to_string(b) + " overflows the channel count");
    ctx.set_output(0, ctx.dtype(0), Shape{in[0], c, in[2] / b, in[3] / b});
  }
}

void depth_space_kernel(const KernelContext& c) {
  const int64_t b = c.attrs().get_int("blocksize", 1);
  CopyPlan plan;
  if (c.node->op_type == "DepthToSpace") {
    // Output [N, C, H*b, W*b] walked as [N, C, H, b1, W, b2]; input channel of (c, b1, b2) is
    // (b1*b + b2)*C + c for DCR, (c*b + b1)*b + b2 for CRD.
    const Shape& x = c.in(0).shape;
    const int64_t N = x[0], C = x[1] / (b * b), H = x[2], W = x[3], HW = H * W;
    const bool crd = c.attrs().get_string("mode", "DCR") == "CRD";
    const int64_t s_c = crd ? b * b * HW : HW, s_b1 = crd ? b * HW : b * C * HW, s_b2 = crd ? HW : C * HW;
    const int64_t oW = W * b;
    plan.add(N, x[1] * HW, C * H * b * oW);
    plan.add(C, s_c, H * b * oW);
    plan.add(H, W, b * oW);
    plan.add(b, s_b1, oW);
    plan.add(W, 1, b);
    plan.add(b, s_b2, 1);
  } else {
    // Output [N, C*b*b, H, W] walked as [N, b1, b2, C, H, W] (DCR) or [N, C, b1, b2, H, W]
    // (CRD, opset 24) from input (c, h*b + b1, w*b + b2).
    const Shape& x = c.in(0).shape;
    const int64_t N = x[0], C = x[1], iH = x[2], iW = x[3], H = iH / b, W = iW / b;
    const int64_t oHW = H * W;
    plan.add(N, C * iH * iW, C * b * b * oHW);
    if (c.attrs().get_string("mode", "DCR") == "CRD") {
      plan.add(C, iH * iW, b * b * oHW);
      plan.add(b, iW, b * oHW);
      plan.add(b, 1, oHW);
    } else {
      plan.add(b, iW, b * C * oHW);
      plan.add(b, 1, C * oHW);
      plan.add(C, iH * iW, oHW);
    }
    plan.add(H, b * iW, W);
    plan.add(W, b, 1);
  }
  strided_copy(c.in(0).data, c.out(0).data, dtype_size(c.in(0).dtype), plan, c.pool);
}

// ---- ReverseSequence ---------------------------------------------------------------------------

void infer_reverse_sequence(InferContext& ctx) {
  const Shape& in = ctx.shape(0);
  if (in.rank() < 2) ctx.fail("input must have rank >= 2, got " + in.str());
  const int64_t batch_axis = ctx.attrs().get_int("batch_axis", 1), time_axis = ctx.attrs().get_int("time_axis", 0);
  if ((batch_axis != 0 && batch_axis != 1) || (time_axis != 0 && time_axis != 1) || batch_axis == time_axis)
    ctx.fail("batch_axis and time_axis must be 0 and 1 in some order");
  ctx.expect_dtype(1, {DType::kI64, DType::kI32});
  const Shape& lens = ctx.shape(1);
  if (lens.rank() != 1 || lens[0] != in[static_cast<int>(batch_axis)])
    ctx.fail("sequence_lens " + lens.str() + " does not match the batch of " + in.str());
  if (ctx.is_constant(1))
    for (int64_t l : ctx.constant_ints(1))
      if (l < 0 || l > in[static_cast<int>(time_axis)]) ctx.fail("sequence length " + std::to_string(l) + " out of range");
  ctx.set_output(0, ctx.dtype(0), in);
}

void reverse_sequence_kernel(const KernelContext& c) {
  const Shape& x = c.in(0).shape;
  const int batch_axis = static_cast<int>(c.attrs().get_int("batch_axis", 1));
  const int time_axis = 1 - batch_axis;
  const int64_t B = x[batch_axis], T = x[time_axis];
  const int64_t inner = dims_product(x, 2, x.rank());
  const size_t es = dtype_size(c.in(0).dtype), slab = static_cast<size_t>(inner) * es;
  const int64_t s_b = batch_axis == 0 ? T * inner : inner, s_t = time_axis == 0 ? B * inner : inner;
  for (int64_t bi = 0; bi < B; ++bi) {
    const int64_t l = index_at(c.in(1), bi);
    if (l < 0 || l > T) index_out_of_range(*c.node, l, T + 1, "sequence length");
  }
  const char* src = static_cast<const char*>(c.in(0).data);
  char* dst = static_cast<char*>(c.out(0).data);
  split_work(c.pool, B * T, std::max<int64_t>(1, kChunkElems / std::max<int64_t>(inner, 1)), [&](int64_t b, int64_t e) {
    for (int64_t u = b; u < e; ++u) {
      const int64_t bi = u / T, t = u - bi * T;
      const int64_t l = index_at(c.in(1), bi);
      const int64_t from = t < l ? l - 1 - t : t;
      std::memcpy(dst + static_cast<size_t>(bi * s_b + t * s_t) * es, src + static_cast<size_t>(bi * s_b + from * s_t) * es, slab);
    }
  });
}

}  // namespace

void register_movement_pad_ops(OpRegistry& r) {
  add_op(r, "Pad", infer_pad, pad_kernel);
  add_op(r, "CenterCropPad", infer_center_crop_pad, center_crop_pad_kernel);
  add_op(r, "Tile", infer_tile, tile_kernel);
  add_op(r, "DepthToSpace", infer_depth_space, depth_space_kernel);
  add_op(r, "SpaceToDepth", infer_depth_space, depth_space_kernel);
  add_op(r, "ReverseSequence", infer_reverse_sequence, reverse_sequence_kernel);
}

}  // namespace edgewm
