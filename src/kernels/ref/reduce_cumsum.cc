// CumSum along the axis given by input 1 (exclusive, reverse). Each output row along the axis is
// the previous output row plus an input row, so the inner loop runs over contiguous columns (a
// plain running sum when the axis is the last one). Sums accumulate in the input type, integers
// wrapping (two's complement) rather than overflowing.
#include <string>

#include "kernels/ref/dispatch.h"
#include "kernels/ref/reduce.h"

namespace edgewm {

using namespace ref::reduce;

namespace {

void infer_cumsum(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kI32, DType::kI64, DType::kU32, DType::kU64});
  if (!ctx.has_input(1)) ctx.fail("input axis is required");
  if (ctx.shape(1).rank() > 1 || ctx.shape(1).numel() != 1)
    ctx.fail("axis must hold a single value, got shape " + ctx.shape(1).str());
  normalize_axis(ctx, ctx.constant_ints(1).at(0), ctx.shape(0).rank());
  for (const char* a : {"exclusive", "reverse"}) {
    const int64_t v = ctx.attrs().get_int(a, 0);
    if (v != 0 && v != 1) ctx.fail(std::string(a) + " must be 0 or 1, got " + std::to_string(v));
  }
  ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
}

template <class T> void cumsum_t(const KernelContext& c, const AxisGeometry& g) {
  const T* x = static_cast<const T*>(c.in(0).data);
  T* y = static_cast<T*>(c.out(0).data);
  const bool exclusive = c.attrs().get_int("exclusive", 0) != 0, reverse = c.attrs().get_int("reverse", 0) != 0;
  if (c.out(0).numel() == 0) return;
  // Work items: (outer block, column chunk).
  constexpr int64_t kCols = 4096;
  const int64_t chunks = (g.inner + kCols - 1) / kCols;
  c.pool->parallel_for(g.outer * chunks, grain_for(g.len * std::min(kCols, g.inner)), [&](int64_t b, int64_t e) {
    for (int64_t it = b; it < e; ++it) {
      const int64_t o = it / chunks, i0 = (it % chunks) * kCols, m = std::min(kCols, g.inner - i0);
      const T* p = x + o * g.len * g.inner + i0;
      T* q = y + o * g.len * g.inner + i0;
      if (g.inner == 1) {  // contiguous running sum
        T acc{};
        if (!reverse) {
          for (int64_t k = 0; k < g.len; ++k) {
            const T v = p[k];
            q[k] = exclusive ? acc : wrap_add(acc, v);
            acc = wrap_add(acc, v);
          }
        } else {
          for (int64_t k = g.len - 1; k >= 0; --k) {
            const T v = p[k];
            q[k] = exclusive ? acc : wrap_add(acc, v);
            acc = wrap_add(acc, v);
          }
        }
        continue;
      }
      // Row by row: step s visits axis position k; prev is the output row written just before.
      const T* prev_x = nullptr;
      const T* prev_y = nullptr;
      for (int64_t s = 0; s < g.len; ++s) {
        const int64_t k = reverse ? g.len - 1 - s : s;
        const T* pk = p + k * g.inner;
        T* qk = q + k * g.inner;
        if (s == 0) {
          for (int64_t j = 0; j < m; ++j) qk[j] = exclusive ? T{} : pk[j];
        } else if (exclusive) {
          for (int64_t j = 0; j < m; ++j) qk[j] = wrap_add(prev_y[j], prev_x[j]);
        } else {
          for (int64_t j = 0; j < m; ++j) qk[j] = wrap_add(prev_y[j], pk[j]);
        }
        prev_x = pk;
        prev_y = qk;
      }
    }
  });
}

void cumsum_kernel(const KernelContext& c) {
  const Shape& in = c.in(0).shape;
  int64_t axis = int_at(c.in(1), 0);
  if (axis < 0) axis += in.rank();
  const AxisGeometry g = around_axis(in, static_cast<int>(axis));
  ref::dispatch_numeric(c.in(0).dtype, [&](auto tag) { cumsum_t<decltype(tag)>(c, g); });
}

}  // namespace

void register_cumsum_ops(OpRegistry& r) { r.add({"CumSum", "", infer_cumsum, {KernelDef{"ref", cumsum_kernel}}}); }

}  // namespace edgewm
