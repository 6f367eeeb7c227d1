// ArgMax, ArgMin and TopK. NaN ranks above every number and NaNs tie (numpy's and
// onnxruntime's ArgMax/ArgMin return the first NaN; TopK(largest) puts NaN first). Ties go to the
// lower index (the higher one for select_last_index).
#include <atomic>
#include <string>

#include "kernels/ref/dispatch.h"
#include "kernels/ref/reduce.h"

namespace edgewm {

using namespace ref::reduce;

namespace {

// ---------------------------------------------------------------------------- ArgMax / ArgMin

void infer_arg(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kI32, DType::kI64, DType::kU32, DType::kU64, DType::kI16,
                       DType::kU16, DType::kI8, DType::kU8});
  const Shape& in = ctx.shape(0);
  const int axis = normalize_axis(ctx, ctx.attrs().get_int("axis", 0), in.rank());
  const int64_t last = ctx.attrs().get_int("select_last_index", 0);
  if (last != 0 && last != 1) ctx.fail("select_last_index must be 0 or 1, got " + std::to_string(last));
  Shape out;
  for (int i = 0; i < in.rank(); ++i) {
    if (i != axis) out.push_back(in[i]);
    else if (ctx.attrs().get_int("keepdims", 1)) out.push_back(1);
  }
  if (in[axis] == 0 && out.numel() > 0)
    ctx.fail(ctx.node().op_type + " over an empty axis (input " + in.str() + ", axis " + std::to_string(axis) + ")");
  ctx.set_output(0, DType::kI64, out);
}

// Whether v beats the best so far b.
template <bool kMax, bool kLast, class T> inline bool beats(T v, T b) {
  if constexpr (kLast) {
    return !beats<kMax, false>(b, v);
  } else if constexpr (kMax) {
    return greater(v, b);
  } else {  // smaller, with NaN still winning
    if (is_nan(v)) return !is_nan(b);
    return !is_nan(b) && v < b;
  }
}

template <bool kMax, bool kLast, class T> void arg_t(const KernelContext& c, const AxisGeometry& g) {
  const T* x = static_cast<const T*>(c.in(0).data);
  int64_t* y = static_cast<int64_t*>(c.out(0).data);
  if (g.len == 0) return;  // then the output is empty (inference)
  if (g.inner == 1) {
    c.pool->parallel_for(g.outer, grain_for(g.len), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const T* p = x + o * g.len;
        T bv = p[0];
        int64_t bi = 0;
        for (int64_t k = 1; k < g.len; ++k)
          if (beats<kMax, kLast>(p[k], bv)) bv = p[k], bi = k;
        y[o] = bi;
      }
    });
    return;
  }
  const int64_t chunks = (g.inner + kChunk - 1) / kChunk;
  c.pool->parallel_for(g.outer * chunks, grain_for(g.len * std::min(kChunk, g.inner)), [&](int64_t b, int64_t e) {
    T bv[kChunk];
    for (int64_t it = b; it < e; ++it) {
      const int64_t o = it / chunks, i0 = (it % chunks) * kChunk, m = std::min(kChunk, g.inner - i0);
      const T* p = x + o * g.len * g.inner + i0;
      int64_t* q = y + o * g.inner + i0;
      for (int64_t j = 0; j < m; ++j) bv[j] = p[j], q[j] = 0;
      for (int64_t k = 1; k < g.len; ++k) {
        const T* pk = p + k * g.inner;
        for (int64_t j = 0; j < m; ++j)
          if (beats<kMax, kLast>(pk[j], bv[j])) bv[j] = pk[j], q[j] = k;
      }
    }
  });
}

void arg_kernel(const KernelContext& c) {
  const Shape& in = c.in(0).shape;
  int64_t axis = c.attrs().get_int("axis", 0);
  if (axis < 0) axis += in.rank();
  const AxisGeometry g = around_axis(in, static_cast<int>(axis));
  const bool is_max = c.node->op_type == "ArgMax";
  const bool last = c.attrs().get_int("select_last_index", 0) != 0;
  ref::dispatch_numeric(c.in(0).dtype, [&](auto tag) {
    using T = decltype(tag);
    if (is_max) last ? arg_t<true, true, T>(c, g) : arg_t<true, false, T>(c, g);
    else last ? arg_t<false, true, T>(c, g) : arg_t<false, false, T>(c, g);
  });
}

// ---------------------------------------------------------------------------- TopK

// Rows sorted at once, each with its own index buffer of `len` int64 in the scratch.
constexpr int64_t kTopKSlots = 8;

void infer_topk(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kI32, DType::kI64, DType::kU32, DType::kU64, DType::kI16,
                       DType::kU16, DType::kI8, DType::kU8});
  const Shape& in = ctx.shape(0);
  const int axis = normalize_axis(ctx, ctx.attrs().get_int("axis", -1), in.rank());
  int64_t k;
  if (ctx.node().opset < 10) {
    if (!ctx.attrs().has("k")) ctx.fail("attribute k is required before opset 10");
    k = ctx.attrs().get_int("k", 0);
  } else {
    if (!ctx.has_input(1)) ctx.fail("input K is required");
    if (ctx.shape(1).rank() > 1 || ctx.shape(1).numel() != 1)
      ctx.fail("K must hold a single value, got shape " + ctx.shape(1).str());
    k = ctx.constant_ints(1).at(0);
  }
  if (k < 0 || k > in[axis])
    ctx.fail("k = " + std::to_string(k) + " is out of range for axis " + std::to_string(axis) + " of size " +
             std::to_string(in[axis]));
  for (const char* a : {"largest", "sorted"}) {
    const int64_t v = ctx.attrs().get_int(a, 1);
    if (v != 0 && v != 1) ctx.fail(std::string(a) + " must be 0 or 1, got " + std::to_string(v));
  }
  // sorted=0 leaves the order unspecified; the kernel returns it sorted anyway.
  Shape out = in;
  out[axis] = k;
  ctx.set_output(0, ctx.dtype(0), out);
  ctx.set_output(1, DType::kI64, out);
}

AxisGeometry topk_geometry(const Node& n, const Shape& in) {
  int64_t axis = n.attrs.get_int("axis", -1);
  if (axis < 0) axis += in.rank();
  return around_axis(in, static_cast<int>(axis));
}

int64_t topk_slots(const AxisGeometry& g) { return std::clamp<int64_t>(g.outer * g.inner, 1, kTopKSlots); }

size_t topk_scratch(const Node& n, const Graph& g) {
  const Shape& in = g.value(n.inputs.at(0)).shape;
  const AxisGeometry geo = topk_geometry(n, in);
  return static_cast<size_t>(topk_slots(geo) * geo.len) * sizeof(int64_t) + 64;
}

template <class T> void topk_t(const KernelContext& c, const AxisGeometry& g, int64_t k) {
  const T* x = static_cast<const T*>(c.in(0).data);
  T* yv = c.outputs.size() > 0 && c.out(0).data ? static_cast<T*>(c.out(0).data) : nullptr;
  int64_t* yi = c.outputs.size() > 1 && c.out(1).data ? static_cast<int64_t*>(c.out(1).data) : nullptr;
  const bool largest = c.attrs().get_int("largest", 1) != 0;
  const int64_t rows = g.outer * g.inner, slots = topk_slots(g);
  if (k == 0 || rows == 0) return;
  const size_t need = static_cast<size_t>(slots * g.len) * sizeof(int64_t);
  int64_t* buf = reinterpret_cast<int64_t*>((reinterpret_cast<uintptr_t>(c.scratch) + 63) & ~uintptr_t(63));
  if (!c.scratch || c.scratch_bytes < need + 64)
    throw Error(ErrorKind::kInternal, "TopK: scratch of " + std::to_string(c.scratch_bytes) + " bytes is too small");
  c.pool->parallel_for(slots, 1, [&](int64_t b, int64_t e) {
    for (int64_t s = b; s < e; ++s) {
      int64_t* idx = buf + s * g.len;
      for (int64_t row = s; row < rows; row += slots) {
        const int64_t o = row / g.inner, i = row % g.inner;
        const T* p = x + o * g.len * g.inner + i;
        for (int64_t j = 0; j < g.len; ++j) idx[j] = j;
        auto first = [&](int64_t a, int64_t bb) {  // a comes before bb
          const T va = p[a * g.inner], vb = p[bb * g.inner];
          if (largest ? greater(va, vb) : greater(vb, va)) return true;
          if (largest ? greater(vb, va) : greater(va, vb)) return false;
          return a < bb;
        };
        std::partial_sort(idx, idx + k, idx + g.len, first);
        const int64_t base = o * k * g.inner + i;
        for (int64_t m = 0; m < k; ++m) {
          if (yv) yv[base + m * g.inner] = p[idx[m] * g.inner];
          if (yi) yi[base + m * g.inner] = idx[m];
        }
      }
    }
  });
}

void topk_kernel(const KernelContext& c) {
  const Shape& in = c.in(0).shape;
  int64_t axis = c.attrs().get_int("axis", -1);
  if (axis < 0) axis += in.rank();
  const AxisGeometry g = around_axis(in, static_cast<int>(axis));
  // k from the output shape (inference read it from the attribute or the constant input).
  const Shape& out = !c.out(0).empty() ? c.out(0).shape : c.out(1).shape;
  const int64_t k = out[static_cast<int>(axis)];
  ref::dispatch_numeric(c.in(0).dtype, [&](auto tag) { topk_t<decltype(tag)>(c, g, k); });
}

}  // namespace

void register_select_ops(OpRegistry& r) {
  r.add({"ArgMax", "", infer_arg, {KernelDef{"ref", arg_kernel}}});
  r.add({"ArgMin", "", infer_arg, {KernelDef{"ref", arg_kernel}}});
  r.add({"TopK", "", infer_topk, {KernelDef{"ref", topk_kernel, nullptr, 0, topk_scratch}}});
}

}  // namespace edgewm
