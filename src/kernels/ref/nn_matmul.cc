// Gemm (transA/transB, alpha, beta, broadcast C) and MatMul (numpy semantics: 1-D promotion,
// broadcast batch dims). The reference kernels are plain triple loops, the oracle; the blocked
// GEMM kernels are kernels/gemm/matmul_blocked.cc.
#include "kernels/ref/dispatch.h"
#include "kernels/ref/matmul_geom.h"
#include "kernels/ref/nn.h"

namespace edgewm {

using namespace ref::nn;

namespace {

// ---------------------------------------------------------------------------- Gemm

void infer_gemm(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64});
  if (ctx.dtype(1) != ctx.dtype(0)) ctx.fail("B dtype differs from A's");
  const Shape& a = ctx.shape(0);
  const Shape& b = ctx.shape(1);
  if (a.rank() != 2 || b.rank() != 2) ctx.fail("A " + a.str() + " and B " + b.str() + " must be matrices");
  const bool ta = ctx.attrs().get_int("transA", 0) != 0, tb = ctx.attrs().get_int("transB", 0) != 0;
  const int64_t M = ta ? a[1] : a[0], K = ta ? a[0] : a[1];
  const int64_t K2 = tb ? b[1] : b[0], N = tb ? b[0] : b[1];
  if (K != K2)
    ctx.fail("inner dimensions differ: A " + a.str() + (ta ? " (transposed)" : "") + ", B " + b.str() +
             (tb ? " (transposed)" : ""));
  if (ctx.has_input(2)) {
    if (ctx.dtype(2) != ctx.dtype(0)) ctx.fail("C dtype differs from A's");
    const Shape& c = ctx.shape(2);
    bool ok = c.rank() <= 2;
    const int64_t want[2] = {M, N};
    for (int d = 0; ok && d < c.rank(); ++d) {
      const int64_t cd = c[d], wd = want[2 - c.rank() + d];
      ok = cd == wd || cd == 1;
    }
    if (!ok) ctx.fail("C " + c.str() + " does not broadcast to the output [" + std::to_string(M) + "x" + std::to_string(N) + "]");
  }
  ctx.set_output(0, ctx.dtype(0), Shape{M, N});
}

// ---------------------------------------------------------------------------- MatMul

void infer_matmul(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kI32, DType::kI64, DType::kU32, DType::kU64});
  if (ctx.dtype(1) != ctx.dtype(0)) ctx.fail("B dtype differs from A's");
  MatMulGeom g;
  std::string err = g.init(ctx.shape(0), ctx.shape(1));
  if (!err.empty()) ctx.fail(err);
  ctx.set_output(0, ctx.dtype(0), g.out);
}

// The oracles: one dot product per output, in the input's type.
template <class T> void gemm_naive(const KernelContext& ctx) {
  const TensorView& av = ctx.in(0);
  const TensorView& bv = ctx.in(1);
  const GemmGeom geo = GemmGeom::of(ctx.attrs(), av.shape, bv.shape);
  const bool ta = geo.ta, tb = geo.tb;
  const T alpha = static_cast<T>(geo.alpha), beta = static_cast<T>(geo.beta);
  const int64_t M = geo.M, K = geo.K, N = geo.N;
  const T* A = av.as<T>();
  const T* B = bv.as<T>();
  T* Y = ctx.out(0).as<T>();
  const T* C = ctx.has_in(2) ? ctx.in(2).as<T>() : nullptr;
  const Shape cs = ctx.has_in(2) ? ctx.in(2).shape : Shape{};
  // C broadcasts from [], [N], [1|M, 1|N].
  const int64_t c_rows = cs.rank() == 2 ? cs[0] : 1, c_cols = cs.rank() >= 1 ? cs[cs.rank() - 1] : 1;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      T acc = T(0);
      for (int64_t k = 0; k < K; ++k) acc += A[ta ? k * M + i : i * K + k] * B[tb ? j * K + k : k * N + j];
      T y = alpha * acc;
      if (C) y += beta * C[(c_rows == 1 ? 0 : i) * c_cols + (c_cols == 1 ? 0 : j)];
      Y[i * N + j] = y;
    }
}

template <class T> void matmul_naive(const KernelContext& ctx) {
  MatMulGeom g;
  g.init(ctx.in(0).shape, ctx.in(1).shape);
  const T* A = ctx.in(0).as<T>();
  const T* B = ctx.in(1).as<T>();
  T* Y = ctx.out(0).as<T>();
  for (int64_t b = 0; b < g.batches; ++b) {
    int64_t ao, bo;
    g.offsets(b, ao, bo);
    for (int64_t i = 0; i < g.M; ++i)
      for (int64_t j = 0; j < g.N; ++j) {
        T acc = T(0);
        for (int64_t k = 0; k < g.K; ++k) acc += A[ao + i * g.K + k] * B[bo + k * g.N + j];
        Y[(b * g.M + i) * g.N + j] = acc;
      }
  }
}

void gemm_ref(const KernelContext& ctx) {
  ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { gemm_naive<decltype(t)>(ctx); });
}

void matmul_ref(const KernelContext& ctx) {
  dispatch_matmul_types(ctx.in(0).dtype, [&](auto t) { matmul_naive<decltype(t)>(ctx); });
}

}  // namespace

void register_matmul_ops(OpRegistry& r) {
  r.add({"Gemm", "", infer_gemm,
         {KernelDef{"ref", gemm_ref}}});
  r.add({"MatMul", "", infer_matmul,
         {KernelDef{"ref", matmul_ref}}});
}

}  // namespace edgewm
