#include "kernels/rows/row_kernels.h"

#include "kernels/ref/nn.h"

#include <algorithm>

#include "edgewm/thread_pool.h"

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
// SiLU in one more pass over data still in cache.
void group_norm_f32(const KernelContext& ctx, const RowKernelsF32& k) {
  const TensorView& xv = ctx.in(0);
  const int64_t N = xv.shape[0], C = xv.shape[1], G = ctx.attrs().get_int("num_groups", 1);
  const int64_t spatial = N * C != 0 ? xv.numel() / (N * C) : 0, cg = C / G, inner = cg * spatial;
  if (inner == 0) return;
  const bool act = ctx.attrs().get_string("activation", "none") == "silu";
  const float eps = ctx.attrs().get_float("epsilon", 1e-5f);
  const float *x = xv.as<float>(), *scale = ctx.in(1).as<float>(), *bias = ctx.in(2).as<float>();
  float* y = ctx.out(0).as<float>();
  ctx.pool->parallel_for(N * G, std::max<int64_t>(1, 16384 / inner), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t c0 = (r % G) * cg;
      float* yr = y + r * inner;
      k.normalize_row(x + r * inner, yr, inner, 1.f, 0.f, eps);
      for (int64_t c = 0; c < cg; ++c) k.affine_act(yr + c * spatial, yr + c * spatial, spatial, scale[c0 + c], bias[c0 + c], act);
    }
  });
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
