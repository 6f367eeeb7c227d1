#include "kernels/rows/row_kernels.h"

#include "kernels/ref/nn.h"

#include <algorithm>
#include <atomic>

#include "edgewm/thread_pool.h"
#include "kernels/ref/movement.h"
#include "kernels/scratch.h"

namespace edgewm {

namespace {

template <class F> void map_rows(const KernelContext& ctx, F fn) {
  const float* x = ctx.in(0).as<float>();
  float* y = ctx.out(0).as<float>();
  ctx.pool->parallel_for(ctx.in(0).numel(), 16384, [&](int64_t b, int64_t e) { fn(x + b, y + b, e - b); });
}

}  // namespace

void sigmoid_f32(const KernelContext& ctx, const RowKernelsF32& k) { map_rows(ctx, k.sigmoid); }
void silu_f32(const KernelContext& ctx, const RowKernelsF32& k) { map_rows(ctx, k.silu); }

// Per (n, group) the moments over the group, then per channel scale, shift and the optional
// SiLU in one more pass over data still in cache. With 8-bit input or output (inputs 3-6,
// fuse-qdq-norm), each group's rows are dequantised into the worker's scratch first and/or
// quantised from it last, by the ISA's Q/DQ rows (bit for bit the reference's): the float
// tensor in between is never written out.
void group_norm_f32(const KernelContext& ctx, const RowKernelsF32& k, const QuantizeRows& q) {
  const TensorView& xv = ctx.in(0);
  const int64_t N = xv.shape[0], C = xv.shape[1], G = ctx.attrs().get_int("num_groups", 1);
  const int64_t spatial = N * C != 0 ? xv.numel() / (N * C) : 0, cg = C / G, inner = cg * spatial;
  if (inner == 0) return;
  const bool act = ctx.attrs().get_string("activation", "none") == "silu";
  const float eps = ctx.attrs().get_float("epsilon", 1e-5f);
  const float *scale = ctx.in(1).as<float>(), *bias = ctx.in(2).as<float>();
  const bool qx = ctx.has_in(3), qy = ctx.has_in(5), add = ctx.has_in(7);  // 7: x_add, per (n, c)
  auto param = [&](size_t i) { return ctx.has_in(i) ? static_cast<float>(ref::mv::load_as_double(ctx.in(i), 0)) : 0.f; };
  const float xs = param(3), xz = param(4), ys = param(5), yz = param(6);
  const QElement xk = xv.dtype == DType::kI8 ? QElement::kS8 : QElement::kU8;
  const bool y_signed = ctx.out(0).dtype == DType::kI8;
  auto row = [&](int64_t r, float* xbuf, float* ybuf) {
    const int64_t c0 = (r % G) * cg;
    const float* xr = qx || add ? xbuf : xv.as<float>() + r * inner;
    if (qx) q.dequantize(static_cast<const uint8_t*>(xv.data) + r * inner, xk, inner, xs, xz, xbuf);
    if (add) {  // + x_add[n or 0, c] per channel, as the float Add it replaces
      const TensorView& t = ctx.in(7);
      const float* tn = t.as<float>() + (t.shape[0] == 1 ? 0 : (r / G) * C) + c0;
      const float* src = qx ? xbuf : xv.as<float>() + r * inner;
      for (int64_t c = 0; c < cg; ++c)
        for (int64_t i = c * spatial; i < (c + 1) * spatial; ++i) xbuf[i] = src[i] + tn[c];
    }
    float* yr = qy ? ybuf : ctx.out(0).as<float>() + r * inner;
    k.normalize_row(xr, yr, inner, 1.f, 0.f, eps);
    for (int64_t c = 0; c < cg; ++c) k.affine_act(yr + c * spatial, yr + c * spatial, spatial, scale[c0 + c], bias[c0 + c], act);
    if (qy) q.quantize(yr, inner, ys, yz, y_signed, static_cast<uint8_t*>(ctx.out(0).data) + r * inner);
  };
  if (!qx && !qy && !add) {
    ctx.pool->parallel_for(N * G, std::max<int64_t>(1, 16384 / inner), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) row(r, nullptr, nullptr);
    });
    return;
  }
  // One slot of scratch per worker (group_norm_scratch), rows handed out by a counter.
  float* base = scratch_aligned<float>(ctx.scratch);
  const int slots = static_cast<int>(std::min<int64_t>({kGroupNormSlots, N * G, ctx.pool->size()}));
  std::atomic<int64_t> next{0};
  ctx.pool->parallel_for(slots, 1, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s) {
      float* xbuf = base + s * 2 * inner;
      for (int64_t r; (r = next.fetch_add(1)) < N * G;) row(r, xbuf, xbuf + inner);
    }
  });
}

size_t group_norm_scratch(const Node& n, const Graph& g) {
  auto has = [&](size_t i) { return n.inputs.size() > i && n.inputs[i] != kNoValue; };
  const bool quantised = has(3) || has(5) || has(7);  // a float row of its own (7: x_add)
  const Value& x = g.value(n.inputs[0]);
  if (!quantised || x.shape.rank() < 2 || x.shape[0] * x.shape[1] == 0) return 0;
  const int64_t groups = std::max<int64_t>(1, n.attrs.get_int("num_groups", 1));
  const int64_t inner = x.shape.numel() / (x.shape[0] * groups);
  return static_cast<size_t>(kGroupNormSlots * 2 * inner) * sizeof(float) + 64;
}

// InstanceNormalization over [N, C, spatial...]: one row per (n, c).
void instance_norm_f32(const KernelContext& ctx, const RowKernelsF32& k) {
  const TensorView& xv = ctx.in(0);
  const int64_t rows = xv.shape[0] * xv.shape[1], c = xv.shape[1];
  const int64_t inner = rows ? xv.numel() / rows : 0;
  if (inner == 0) return;
  const float eps = ctx.attrs().get_float("epsilon", 1e-5f);
  const float *x = xv.as<float>(), *scale = ctx.in(1).as<float>(), *bias = ctx.in(2).as<float>();
  float* y = ctx.out(0).as<float>();
  ctx.pool->parallel_for(rows, std::max<int64_t>(1, 16384 / inner), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) k.normalize_row(x + r * inner, y + r * inner, inner, scale[r % c], bias[r % c], eps);
  });
}

bool softmax_rows_supports(const Node& n, const Graph& g) {
  if (n.op_type != "Softmax") return false;
  const int rank = g.value(n.inputs[0]).shape.rank();
  if (n.opset < 13) return true;  // [outer, everything from axis on]: rows either way
  int64_t axis = n.attrs.get_int("axis", -1);
  return rank > 0 && (axis == -1 || axis == rank - 1);
}

void softmax_f32(const KernelContext& ctx, const RowKernelsF32& k) {
  const TensorView& xv = ctx.in(0);
  const int rank = xv.shape.rank();
  int64_t axis = ctx.attrs().get_int("axis", ctx.node->opset < 13 ? 1 : -1);
  if (axis < 0) axis += rank;
  int64_t len = 1;  // the row: from axis on (opset < 13) or the last dim
  for (int d = ctx.node->opset < 13 ? static_cast<int>(axis) : rank - 1; d < rank; ++d) len *= xv.shape[d];
  if (len == 0 || xv.numel() == 0) return;
  const int64_t rows = xv.numel() / len;
  const float* x = xv.as<float>();
  float* y = ctx.out(0).as<float>();
  ctx.pool->parallel_for(rows, std::max<int64_t>(1, 8192 / len), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) k.softmax(x + r * len, y + r * len, len);
  });
}

ConvActivation ConvActivation::with_rows(const RowKernelsF32* r) const {
  ConvActivation a = *this;
  a.vector_row = !r ? nullptr : kind == Kind::kSilu ? r->silu : kind == Kind::kSigmoid ? r->sigmoid : nullptr;
  return a;
}

}  // namespace edgewm
