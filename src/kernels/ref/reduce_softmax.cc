// Softmax, LogSoftmax, Hardmax and LpNormalization: normalisation along one axis.
// Softmax/LogSoftmax/Hardmax before opset 13 coerce the input to 2-D at `axis` (default 1) and
// normalise each row of the flattened trailing block; from opset 13 they normalise along `axis`
// (default -1). Softmax subtracts the row maximum first (no overflow), takes exp with a
// vectorisable expf for f32 (reduce.h) and sums in double.
#include <limits>
#include <string>

#include "kernels/ref/dispatch.h"
#include "kernels/ref/reduce.h"
#include "kernels/ref/softmax_row.h"

namespace edgewm {

using namespace ref::reduce;

namespace {

enum class Mode { kSoftmax, kLogSoftmax, kHardmax };

Mode mode_of(const std::string& op) {
  return op == "Softmax" ? Mode::kSoftmax : op == "LogSoftmax" ? Mode::kLogSoftmax : Mode::kHardmax;
}

AxisGeometry softmax_geometry(const Node& n, const Shape& in) {
  const bool legacy = n.opset < 13;
  int64_t axis = n.attrs.get_int("axis", legacy ? 1 : -1);
  if (axis < 0) axis += in.rank();
  AxisGeometry g = around_axis(in, static_cast<int>(axis));
  if (legacy) {  // [outer, everything from axis on]
    g.len *= g.inner;
    g.inner = 1;
  }
  return g;
}

void infer_softmax(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64});
  const Shape& in = ctx.shape(0);
  normalize_axis(ctx, ctx.attrs().get_int("axis", ctx.node().opset < 13 ? 1 : -1), in.rank());
  ctx.set_output(0, ctx.dtype(0), in);
}

// Maximum of p[0..n), n >= 1 (a NaN anywhere makes the result NaN downstream through exp).
template <class T> T row_max(const T* p, int64_t n) {
  constexpr int kLanes = 8;
  T m[kLanes];
  for (int l = 0; l < kLanes; ++l) m[l] = p[0];
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; ++l) m[l] = p[j + l] > m[l] ? p[j + l] : m[l];
  for (; j < n; ++j) m[0] = p[j] > m[0] ? p[j] : m[0];
  T r = m[0];
  for (int l = 1; l < kLanes; ++l) r = m[l] > r ? m[l] : r;
  return r;
}

// Index of the first maximum, NaN ranking highest (as ArgMax).
template <class T> int64_t row_argmax(const T* p, int64_t n, int64_t stride) {
  T bv = p[0];
  int64_t bi = 0;
  for (int64_t k = 1; k < n; ++k)
    if (greater(p[k * stride], bv)) bv = p[k * stride], bi = k;
  return bi;
}

// exp(x) for x <= 0: the vectorisable one for f32, libm's for f64.
template <class T> inline T exp_le0(T x) {
  if constexpr (std::is_same_v<T, float>) return exp_nonpositive(x);
  else return std::exp(x);
}

// Sum of q[0..n) in double, 8 independent lanes (so it vectorises without reassociation).
template <class T> double row_sum(const T* q, int64_t n) {
  constexpr int kLanes = 8;
  double s[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; ++l) s[l] += static_cast<double>(q[j + l]);
  for (; j < n; ++j) s[0] += static_cast<double>(q[j]);
  double r = 0;
  for (int l = 0; l < kLanes; ++l) r += s[l];
  return r;
}

template <class T> void softmax_row(Mode mode, const T* p, T* q, int64_t n) {
  if (mode == Mode::kHardmax) {
    const int64_t arg = row_argmax(p, n, 1);
    for (int64_t k = 0; k < n; ++k) q[k] = T(0);
    q[arg] = T(1);
    return;
  }
  const T mx = row_max(p, n);
  for (int64_t k = 0; k < n; ++k) q[k] = exp_le0(p[k] - mx);
  const double sum = row_sum(q, n);
  if (mode == Mode::kSoftmax) {
    const T inv = static_cast<T>(1.0 / sum);
    for (int64_t k = 0; k < n; ++k) q[k] *= inv;
  } else {
    const T lse = static_cast<T>(std::log(sum));
    for (int64_t k = 0; k < n; ++k) q[k] = (p[k] - mx) - lse;
  }
}

// Columns [i0, i0 + m) of one [len, inner] block, m <= kChunk.
template <class T> void softmax_cols(Mode mode, const T* p, T* q, int64_t len, int64_t inner, int64_t m) {
  if (mode == Mode::kHardmax) {
    for (int64_t j = 0; j < m; ++j) {
      const int64_t arg = row_argmax(p + j, len, inner);
      for (int64_t k = 0; k < len; ++k) q[k * inner + j] = k == arg ? T(1) : T(0);
    }
    return;
  }
  T mx[kChunk];
  double sum[kChunk];
  for (int64_t j = 0; j < m; ++j) mx[j] = p[j], sum[j] = 0;
  for (int64_t k = 1; k < len; ++k) {
    const T* pk = p + k * inner;
    for (int64_t j = 0; j < m; ++j) mx[j] = pk[j] > mx[j] ? pk[j] : mx[j];
  }
  for (int64_t k = 0; k < len; ++k) {
    const T* pk = p + k * inner;
    T* qk = q + k * inner;
    for (int64_t j = 0; j < m; ++j) qk[j] = exp_le0(pk[j] - mx[j]);
    for (int64_t j = 0; j < m; ++j) sum[j] += static_cast<double>(qk[j]);
  }
  if (mode == Mode::kSoftmax) {
    T inv[kChunk];
    for (int64_t j = 0; j < m; ++j) inv[j] = static_cast<T>(1.0 / sum[j]);
    for (int64_t k = 0; k < len; ++k) {
      T* qk = q + k * inner;
      for (int64_t j = 0; j < m; ++j) qk[j] *= inv[j];
    }
  } else {
    T lse[kChunk];
    for (int64_t j = 0; j < m; ++j) lse[j] = static_cast<T>(std::log(sum[j]));
    for (int64_t k = 0; k < len; ++k) {
      const T* pk = p + k * inner;
      T* qk = q + k * inner;
      for (int64_t j = 0; j < m; ++j) qk[j] = (pk[j] - mx[j]) - lse[j];
    }
  }
}

template <class T> void softmax_t(const KernelContext& c, Mode mode) {
  const AxisGeometry g = softmax_geometry(*c.node, c.in(0).shape);
  const T* x = static_cast<const T*>(c.in(0).data);
  T* y = static_cast<T*>(c.out(0).data);
  if (g.len == 0 || c.out(0).numel() == 0) return;
  if (g.inner == 1) {
    c.pool->parallel_for(g.outer, grain_for(g.len), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) softmax_row(mode, x + o * g.len, y + o * g.len, g.len);
    });
    return;
  }
  const int64_t chunks = (g.inner + kChunk - 1) / kChunk;
  c.pool->parallel_for(g.outer * chunks, grain_for(g.len * std::min(kChunk, g.inner)), [&](int64_t b, int64_t e) {
    for (int64_t it = b; it < e; ++it) {
      const int64_t o = it / chunks, i0 = (it % chunks) * kChunk;
      const int64_t at = o * g.len * g.inner + i0;
      softmax_cols(mode, x + at, y + at, g.len, g.inner, std::min(kChunk, g.inner - i0));
    }
  });
}

void softmax_kernel(const KernelContext& c) {
  const Mode mode = mode_of(c.node->op_type);
  ref::dispatch_float(c.in(0).dtype, [&](auto tag) { softmax_t<decltype(tag)>(c, mode); });
}

// ---------------------------------------------------------------------------- LpNormalization
// y = x / ||x||_p along `axis` (default -1), p in {1, 2}. A zero norm gives 0 (onnxruntime; the
// ONNX reference divides and gives NaN).

void infer_lp_norm(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64});
  const Shape& in = ctx.shape(0);
  normalize_axis(ctx, ctx.attrs().get_int("axis", -1), in.rank());
  const int64_t p = ctx.attrs().get_int("p", 2);
  if (p != 1 && p != 2) ctx.fail("p must be 1 or 2, got " + std::to_string(p));
  ctx.set_output(0, ctx.dtype(0), in);
}

template <class T> void lp_norm_t(const KernelContext& c) {
  const Shape& in = c.in(0).shape;
  int64_t axis = c.attrs().get_int("axis", -1);
  if (axis < 0) axis += in.rank();
  const AxisGeometry g = around_axis(in, static_cast<int>(axis));
  const bool l1 = c.attrs().get_int("p", 2) == 1;
  const T* x = static_cast<const T*>(c.in(0).data);
  T* y = static_cast<T*>(c.out(0).data);
  if (c.out(0).numel() == 0) return;
  auto finish = [l1](double acc) { return l1 ? acc : std::sqrt(acc); };
  if (g.inner == 1) {
    c.pool->parallel_for(g.outer, grain_for(g.len), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const T* p = x + o * g.len;
        T* q = y + o * g.len;
        double acc = 0;
        if (l1) {
          for (int64_t k = 0; k < g.len; ++k) acc += std::fabs(static_cast<double>(p[k]));
        } else {
          for (int64_t k = 0; k < g.len; ++k) acc += static_cast<double>(p[k]) * static_cast<double>(p[k]);
        }
        const double norm = finish(acc);
        for (int64_t k = 0; k < g.len; ++k) q[k] = norm == 0 ? T(0) : static_cast<T>(static_cast<double>(p[k]) / norm);
      }
    });
    return;
  }
  const int64_t chunks = (g.inner + kChunk - 1) / kChunk;
  c.pool->parallel_for(g.outer * chunks, grain_for(g.len * std::min(kChunk, g.inner)), [&](int64_t b, int64_t e) {
    double acc[kChunk];
    for (int64_t it = b; it < e; ++it) {
      const int64_t o = it / chunks, i0 = (it % chunks) * kChunk, m = std::min(kChunk, g.inner - i0);
      const T* p = x + o * g.len * g.inner + i0;
      T* q = y + o * g.len * g.inner + i0;
      for (int64_t j = 0; j < m; ++j) acc[j] = 0;
      for (int64_t k = 0; k < g.len; ++k) {
        const T* pk = p + k * g.inner;
        for (int64_t j = 0; j < m; ++j) {
          const double v = static_cast<double>(pk[j]);
          acc[j] += l1 ? std::fabs(v) : v * v;
        }
      }
      for (int64_t j = 0; j < m; ++j) acc[j] = finish(acc[j]);
      for (int64_t k = 0; k < g.len; ++k) {
        const T* pk = p + k * g.inner;
        T* qk = q + k * g.inner;
        for (int64_t j = 0; j < m; ++j)
          qk[j] = acc[j] == 0 ? T(0) : static_cast<T>(static_cast<double>(pk[j]) / acc[j]);
      }
    }
  });
}

void lp_norm_kernel(const KernelContext& c) {
  ref::dispatch_float(c.in(0).dtype, [&](auto tag) { lp_norm_t<decltype(tag)>(c); });
}

}  // namespace

// Declared in kernels/ref/softmax_row.h: the vector softmax rows fall back to this one.
void softmax_row_f32_scalar(const float* x, float* y, int64_t n) { softmax_row(Mode::kSoftmax, x, y, n); }

void register_softmax_ops(OpRegistry& r) {
  for (const char* op : {"Softmax", "LogSoftmax", "Hardmax"})
    r.add({op, "", infer_softmax, {KernelDef{"ref", softmax_kernel}}});
  r.add({"LpNormalization", "", infer_lp_norm, {KernelDef{"ref", lp_norm_kernel}}});
}

}  // namespace edgewm
