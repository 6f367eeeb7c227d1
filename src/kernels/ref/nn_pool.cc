// Pools: MaxPool (+ Indices), AveragePool, LpPool and their Global* forms, N-d, direct loops
// over each (image, channel) plane.
#include <cmath>
#include <limits>

#include "kernels/ref/dispatch.h"
#include "kernels/ref/nn.h"

namespace edgewm {

using namespace ref::nn;

namespace {

enum class PoolKind { kMax, kAverage, kLp };

std::span<const int64_t> required_kernel_shape(const InferContext& ctx) {
  auto ks = ctx.attrs().get_ints("kernel_shape");
  if (ks.empty()) ctx.fail("kernel_shape is required");
  return ks;
}

int64_t lp_p(const Attributes& a) {
  // Opset 1 had a float p; later versions an int.
  const Attribute* p = a.find("p");
  if (!p) return 2;
  if (p->kind == Attribute::Kind::kFloat) return static_cast<int64_t>(p->f);
  return p->i;
}

void infer_pool(InferContext& ctx, PoolKind kind) {
  const int opset = ctx.node().opset;
  if (kind == PoolKind::kMax)
    ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kI8, DType::kU8});
  else
    ctx.expect_dtype(0, {DType::kF32, DType::kF64});
  const Shape& x = ctx.shape(0);
  auto ks = required_kernel_shape(ctx);
  if (kind == PoolKind::kAverage) {
    int64_t cip = ctx.attrs().get_int("count_include_pad", 0);
    if (cip != 0 && cip != 1) ctx.fail("count_include_pad must be 0 or 1");
  }
  if (kind == PoolKind::kLp) {
    const Attribute* p = ctx.attrs().find("p");
    if (p && p->kind == Attribute::Kind::kFloat && p->f != std::floor(p->f))
      ctx.unsupported("non-integer p " + std::to_string(p->f) + " is not supported");
    if (lp_p(ctx.attrs()) < 1) ctx.fail("p must be positive");
  }
  // Dilations: MaxPool from opset 10, AveragePool and LpPool from opset 18/19.
  const bool dilations = kind == PoolKind::kMax ? opset >= 10 : kind == PoolKind::kAverage ? opset >= 19 : opset >= 18;
  if (ctx.attrs().get_string("auto_pad", "NOTSET") != "NOTSET")
    for (int64_t d : ctx.attrs().get_ints("dilations"))
      if (d != 1)
        ctx.unsupported("auto_pad with dilations is not supported: the ONNX reference ignores the dilations there, "
                        "onnxruntime does not");
  Window w;
  compute_window_or_fail(ctx, x, ks, true, dilations, w);
  Shape out{x[0], x[1]};
  for (int d = 0; d < w.nd; ++d) out.push_back(w.out[d]);
  ctx.set_output(0, ctx.dtype(0), out);
  if (ctx.num_outputs() > 1 && ctx.has_output(1)) {
    if (kind != PoolKind::kMax) ctx.fail("only MaxPool has a second output");
    const int64_t order = ctx.attrs().get_int("storage_order", 0);
    if (order != 0 && order != 1) ctx.fail("storage_order must be 0 or 1");
    if (order == 1 && w.nd > 2) ctx.unsupported("Indices with storage_order=1 are supported for 1-D and 2-D pools only");
    ctx.set_output(1, DType::kI64, out);
  }
  if (ctx.num_outputs() > 2) ctx.fail("too many outputs");
}

void infer_max_pool(InferContext& ctx) { infer_pool(ctx, PoolKind::kMax); }
void infer_average_pool(InferContext& ctx) { infer_pool(ctx, PoolKind::kAverage); }
void infer_lp_pool(InferContext& ctx) { infer_pool(ctx, PoolKind::kLp); }

template <class T> T lowest() {
  return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
}

template <class T> void pool_t(const KernelContext& ctx, PoolKind kind) {
  const TensorView& xv = ctx.in(0);
  const TensorView& yv = ctx.out(0);
  const int opset = ctx.node->opset;
  const bool dilations = kind == PoolKind::kMax ? opset >= 10 : kind == PoolKind::kAverage ? opset >= 19 : opset >= 18;
  Window w;
  bool unsupported = false;
  compute_window(ctx.attrs(), xv.shape, ctx.attrs().get_ints("kernel_shape"), true, dilations, w, &unsupported);
  const bool count_pad = ctx.attrs().get_int("count_include_pad", 0) == 1;
  const int64_t p = kind == PoolKind::kLp ? lp_p(ctx.attrs()) : 0;
  const bool column_major = ctx.attrs().get_int("storage_order", 0) == 1;
  int64_t* indices = ctx.outputs.size() > 1 && !ctx.out(1).empty() ? ctx.out(1).as<int64_t>() : nullptr;
  const int nd = w.nd;
  const int64_t planes = xv.shape[0] * xv.shape[1], IHW = w.in_size(), OHW = w.out_size(), KS = w.kernel_size();
  const T* X = xv.as<T>();
  T* Y = yv.as<T>();
  auto body = [&](int64_t p0, int64_t p1) {
    for (int64_t plane = p0; plane < p1; ++plane) {
      const T* xp = X + plane * IHW;
      int64_t o[kMaxSpatial] = {};
      for (int64_t oi = 0; oi < OHW; ++oi) {
        int64_t start[kMaxSpatial];
        for (int d = 0; d < nd; ++d) start[d] = o[d] * w.stride[d] - w.pad_begin[d];
        double acc = 0;
        T best = lowest<T>();
        int64_t best_at = -1, valid = 0, padded_count = 1;
        if (kind == PoolKind::kAverage && count_pad) {
          // Window positions inside the padded extent (not those ceil_mode adds past it).
          for (int d = 0; d < nd; ++d) {
            int64_t c = 0;
            for (int64_t k = 0; k < w.kernel[d]; ++k) c += start[d] + k * w.dilation[d] < w.in[d] + w.pad_end[d];
            padded_count *= c;
          }
        }
        int64_t k[kMaxSpatial] = {};
        for (int64_t ki = 0; ki < KS; ++ki) {
          int64_t flat = 0;
          bool inside = true;
          for (int d = 0; d < nd; ++d) {
            const int64_t i = start[d] + k[d] * w.dilation[d];
            inside &= i >= 0 && i < w.in[d];
            flat = flat * w.in[d] + i;
          }
          if (inside) {
            const T v = xp[flat];
            ++valid;
            if (kind == PoolKind::kMax) {
              if (best_at < 0 || v > best || (v != v && best == best)) {  // NaN wins, as in NumPy
                best = v;
                best_at = flat;
              }
            } else if (kind == PoolKind::kAverage) {
              acc += static_cast<double>(v);
            } else {
              const double a = std::fabs(static_cast<double>(v));
              double pw = 1;
              for (int64_t e = 0; e < p; ++e) pw *= a;
              acc += pw;
            }
          }
          for (int d = nd - 1; d >= 0; --d) {
            if (++k[d] < w.kernel[d]) break;
            k[d] = 0;
          }
        }
        T& y = Y[plane * OHW + oi];
        if (kind == PoolKind::kMax) {
          y = best;
          if (indices) {
            int64_t idx = best_at < 0 ? 0 : best_at;
            if (column_major && nd == 2) idx = (idx % w.in[1]) * w.in[0] + idx / w.in[1];
            indices[plane * OHW + oi] = plane * IHW + idx;
          }
        } else if (kind == PoolKind::kAverage) {
          y = static_cast<T>(acc / static_cast<double>(count_pad ? padded_count : valid));
        } else {
          y = static_cast<T>(p == 1 ? acc : p == 2 ? std::sqrt(acc) : std::pow(acc, 1.0 / static_cast<double>(p)));
        }
        for (int d = nd - 1; d >= 0; --d) {
          if (++o[d] < w.out[d]) break;
          o[d] = 0;
        }
      }
    }
  };
  ctx.pool->parallel_for(planes, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, OHW * KS)),
                         [&](int64_t b, int64_t e) { body(b, e); });
}

void max_pool_kernel(const KernelContext& ctx) {
  switch (ctx.in(0).dtype) {
    case DType::kI8: return pool_t<int8_t>(ctx, PoolKind::kMax);
    case DType::kU8: return pool_t<uint8_t>(ctx, PoolKind::kMax);
    default: ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { pool_t<decltype(t)>(ctx, PoolKind::kMax); });
  }
}
void average_pool_kernel(const KernelContext& ctx) {
  ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { pool_t<decltype(t)>(ctx, PoolKind::kAverage); });
}
void lp_pool_kernel(const KernelContext& ctx) {
  ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { pool_t<decltype(t)>(ctx, PoolKind::kLp); });
}

// ---------------------------------------------------------------------------- global pools

void infer_global_pool(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64});
  const Shape& x = ctx.shape(0);
  if (x.rank() < 2) ctx.fail("input must be [N, C, spatial...], got " + x.str());
  if (ctx.node().op_type == "GlobalLpPool") {
    const Attribute* p = ctx.attrs().find("p");
    if (p && p->kind == Attribute::Kind::kFloat && p->f != std::floor(p->f))
      ctx.unsupported("non-integer p " + std::to_string(p->f) + " is not supported");
    if (lp_p(ctx.attrs()) < 1) ctx.fail("p must be positive");
  }
  Shape out = x;
  for (int d = 2; d < x.rank(); ++d) out[d] = 1;
  ctx.set_output(0, ctx.dtype(0), out);
}

template <class T> void global_pool_t(const KernelContext& ctx, PoolKind kind) {
  const TensorView& xv = ctx.in(0);
  const int64_t planes = xv.shape[0] * xv.shape[1];
  const int64_t size = planes == 0 ? 0 : xv.numel() / planes;
  const int64_t p = kind == PoolKind::kLp ? lp_p(ctx.attrs()) : 0;
  const T* X = xv.as<T>();
  T* Y = ctx.out(0).as<T>();
  ctx.pool->parallel_for(planes, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, size)), [&](int64_t b, int64_t e) {
    for (int64_t pl = b; pl < e; ++pl) {
      const T* xp = X + pl * size;
      if (kind == PoolKind::kMax) {
        T m = size ? xp[0] : lowest<T>();
        for (int64_t i = 1; i < size; ++i) m = xp[i] > m ? xp[i] : m;
        Y[pl] = m;
      } else if (kind == PoolKind::kAverage) {
        double s = 0;
        for (int64_t i = 0; i < size; ++i) s += static_cast<double>(xp[i]);
        Y[pl] = static_cast<T>(s / static_cast<double>(size));
      } else {
        double s = 0;
        for (int64_t i = 0; i < size; ++i) {
          const double a = std::fabs(static_cast<double>(xp[i]));
          double pw = 1;
          for (int64_t k = 0; k < p; ++k) pw *= a;
          s += pw;
        }
        Y[pl] = static_cast<T>(p == 1 ? s : p == 2 ? std::sqrt(s) : std::pow(s, 1.0 / static_cast<double>(p)));
      }
    }
  });
}

void global_max_pool_kernel(const KernelContext& ctx) {
  ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { global_pool_t<decltype(t)>(ctx, PoolKind::kMax); });
}
void global_average_pool_kernel(const KernelContext& ctx) {
  ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { global_pool_t<decltype(t)>(ctx, PoolKind::kAverage); });
}
void global_lp_pool_kernel(const KernelContext& ctx) {
  ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { global_pool_t<decltype(t)>(ctx, PoolKind::kLp); });
}

}  // namespace

void register_pool_ops(OpRegistry& r) {
  // (2-D f32 pools also have a padded-plane kernel: kernels/pool/pool2d.h registers it.)
  r.add({"MaxPool", "", infer_max_pool, {KernelDef{"ref", max_pool_kernel}}});
  r.add({"AveragePool", "", infer_average_pool, {KernelDef{"ref", average_pool_kernel}}});
  r.add({"LpPool", "", infer_lp_pool, {KernelDef{"ref", lp_pool_kernel}}});
  r.add({"GlobalMaxPool", "", infer_global_pool, {KernelDef{"ref", global_max_pool_kernel}}});
  r.add({"GlobalAveragePool", "", infer_global_pool, {KernelDef{"ref", global_average_pool_kernel}}});
  r.add({"GlobalLpPool", "", infer_global_pool, {KernelDef{"ref", global_lp_pool_kernel}}});
}

}  // namespace edgewm
