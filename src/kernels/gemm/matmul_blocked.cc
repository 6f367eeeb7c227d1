// Gemm and MatMul on the blocked GEMM: "portable" (the plain C++ tile, every dtype the ops
// take, any CPU) and, through gemm_f32_with / matmul_f32_with, f32 on an ISA's micro-kernel.
// A Gemm of one row (a time-embedding Linear) takes the micro-kernel's GEMV instead.
#include <algorithm>

#include "kernels/gemm/gemm_blocked.h"
#include "kernels/gemm/gemm_ops.h"
#include "kernels/ref/dispatch.h"
#include "kernels/ref/matmul_geom.h"

namespace edgewm {

size_t gemm_scratch(const Node& n, const Graph& g) {
  const Value& y = g.value(n.outputs[0]);
  const Value& a = g.value(n.inputs[0]);
  const bool ta = n.attrs.get_int("transA", 0) != 0;
  return gemm_scratch_for(y.dtype, y.shape[1], ta ? a.shape[0] : a.shape[1]);
}

namespace {

template <class T> void gemm_t(const KernelContext& ctx, const GemmMicroF32* micro = nullptr) {
  const TensorView& av = ctx.in(0);
  const TensorView& bv = ctx.in(1);
  const GemmGeom geo = GemmGeom::of(ctx.attrs(), av.shape, bv.shape);
  const bool ta = geo.ta, tb = geo.tb;
  const T alpha = static_cast<T>(geo.alpha), beta = static_cast<T>(geo.beta);
  const int64_t M = geo.M, K = geo.K, N = geo.N;
  T* Y = ctx.out(0).as<T>();
  if (ctx.has_in(2)) {
    const TensorView& cv = ctx.in(2);
    const T* C = cv.as<T>();
    const int r = cv.shape.rank();
    const int64_t cm = r == 2 ? cv.shape[0] : 1, cn = r >= 1 ? cv.shape[r - 1] : 1;
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) Y[i * N + j] = beta * C[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
  } else {
    std::fill(Y, Y + M * N, T(0));
  }
  const T* A = av.as<T>();
  if constexpr (std::is_same_v<T, float>) {
    if (micro && micro->gemv && M == 1) {
      // One row: dot products / axpys straight from B, columns split across the threads.
      const T* Bp = bv.as<T>();
      ctx.pool->parallel_for(N, 64, [&](int64_t j0, int64_t j1) {
        micro->gemv(K, j1 - j0, A, ta ? M : 1, Bp + (tb ? j0 * K : j0), tb ? 1 : N, tb ? K : 1, alpha, Y + j0);
      });
      return;
    }
  }
  StridedPacker<T> pack{bv.as<T>(), 0, tb ? 1 : N, tb ? K : 1};
  gemm_run<T>(
      ctx.pool, ctx.scratch, ctx.scratch_bytes, 1, M, N, K, ta ? 1 : K, ta ? M : 1, [&](int64_t) { return A; }, N,
      [&](int64_t) { return Y; }, alpha, pack, micro);
}

void gemm_kernel(const KernelContext& ctx) {
  ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { gemm_t<decltype(t)>(ctx); });
}

}  // namespace

void gemm_f32_with(const KernelContext& ctx, const GemmMicroF32* micro) { gemm_t<float>(ctx, micro); }

size_t matmul_scratch(const Node& n, const Graph& g) {
  MatMulGeom geo;
  geo.init(g.value(n.inputs[0]).shape, g.value(n.inputs[1]).shape);
  return gemm_scratch_for(g.value(n.inputs[0]).dtype, geo.N, geo.K);
}

namespace {

template <class T> void matmul_t(const KernelContext& ctx, const GemmMicroF32* micro = nullptr) {
  MatMulGeom g;
  g.init(ctx.in(0).shape, ctx.in(1).shape);
  const T* A = ctx.in(0).as<T>();
  const T* B = ctx.in(1).as<T>();
  T* Y = ctx.out(0).as<T>();
  const int64_t M = g.M, N = g.N, K = g.K;
  std::fill(Y, Y + g.batches * M * N, T(0));
  auto a_of = [&](int64_t b) {
    int64_t ao, bo;
    g.offsets(b, ao, bo);
    return A + ao;
  };
  auto pack = [&](int64_t b, int64_t k0, int64_t kc, int64_t j0, int64_t nc, T* dst, int64_t ldp) {
    int64_t ao, bo;
    g.offsets(b, ao, bo);
    StridedPacker<T>{B + bo, 0, N, 1}(0, k0, kc, j0, nc, dst, ldp);
  };
  gemm_run<T>(
      ctx.pool, ctx.scratch, ctx.scratch_bytes, g.batches, M, N, K, K, 1, a_of, N,
      [&](int64_t b) { return Y + b * M * N; }, T(1), pack, micro);
}

void matmul_kernel(const KernelContext& ctx) {
  dispatch_matmul_types(ctx.in(0).dtype, [&](auto t) { matmul_t<decltype(t)>(ctx); });
}

}  // namespace

void matmul_f32_with(const KernelContext& ctx, const GemmMicroF32* micro) { matmul_t<float>(ctx, micro); }

void register_blocked_matmul(OpRegistry& r) {
  r.add_kernel("Gemm", KernelDef{"portable", gemm_kernel, nullptr, 1, gemm_scratch});
  r.add_kernel("MatMul", KernelDef{"portable", matmul_kernel, nullptr, 1, matmul_scratch});
}

}  // namespace edgewm
