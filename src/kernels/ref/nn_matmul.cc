// Gemm (transA/transB, alpha, beta, broadcast C) and MatMul (numpy semantics: 1-D promotion,
// broadcast batch dims). The reference kernels ("ref") are plain triple loops, the oracle;
// "portable" runs the blocked GEMM of nn.h on any CPU (and under each ISA's micro-kernel, via
// gemm_f32_with / matmul_f32_with).
#include "kernels/ref/dispatch.h"
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

}  // namespace

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
  const bool ta = ctx.attrs().get_int("transA", 0) != 0, tb = ctx.attrs().get_int("transB", 0) != 0;
  const T alpha = static_cast<T>(ctx.attrs().get_float("alpha", 1.f));
  const T beta = static_cast<T>(ctx.attrs().get_float("beta", 1.f));
  const int64_t M = ta ? av.shape[1] : av.shape[0], K = ta ? av.shape[0] : av.shape[1];
  const int64_t N = tb ? bv.shape[0] : bv.shape[1];
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

namespace {

// ---------------------------------------------------------------------------- MatMul

// Batch broadcasting: output batch index -> element offsets of A's and B's matrices.
struct MatMulGeom {
  int64_t M = 1, N = 1, K = 1, batches = 1;
  int nb = 0;  // batch rank of the output
  int64_t dims[Shape::kMaxRank] = {}, a_stride[Shape::kMaxRank] = {}, b_stride[Shape::kMaxRank] = {};
  Shape out;

  // Returns "" or the problem.
  std::string init(const Shape& a, const Shape& b) {
    if (a.rank() < 1 || b.rank() < 1) return "MatMul inputs must have rank >= 1";
    const bool a1 = a.rank() == 1, b1 = b.rank() == 1;
    M = a1 ? 1 : a[a.rank() - 2];
    K = a[a.rank() - 1];
    const int64_t K2 = b1 ? b[0] : b[b.rank() - 2];
    N = b1 ? 1 : b[b.rank() - 1];
    if (K != K2) return "inner dimensions differ: A " + a.str() + ", B " + b.str();
    const int ra = a1 ? 0 : a.rank() - 2, rb = b1 ? 0 : b.rank() - 2;
    nb = std::max(ra, rb);
    int64_t sa = M * K, sb = K * N;
    batches = 1;
    for (int d = nb - 1; d >= 0; --d) {
      const int ia = d - (nb - ra), ib = d - (nb - rb);
      const int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
      if (da != db && da != 1 && db != 1) return "batch dims of A " + a.str() + " and B " + b.str() + " do not broadcast";
      dims[d] = da == 1 ? db : da;
      a_stride[d] = da == 1 ? 0 : sa;
      b_stride[d] = db == 1 ? 0 : sb;
      sa *= da;
      sb *= db;
      batches *= dims[d];
    }
    out = Shape();
    for (int d = 0; d < nb; ++d) out.push_back(dims[d]);
    if (!a1) out.push_back(M);
    if (!b1) out.push_back(N);
    return "";
  }
  void offsets(int64_t batch, int64_t& ao, int64_t& bo) const {
    ao = bo = 0;
    for (int d = nb - 1; d >= 0; --d) {
      const int64_t i = batch % dims[d];
      batch /= dims[d];
      ao += i * a_stride[d];
      bo += i * b_stride[d];
    }
  }
};

// f(T{}) for the dtypes infer_matmul admits.
template <class F> void dispatch_matmul_types(DType dtype, F&& f) {
  ref::dispatch_numeric(dtype, [&](auto t) {
    using T = decltype(t);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, int32_t> ||
                  std::is_same_v<T, int64_t> || std::is_same_v<T, uint32_t> || std::is_same_v<T, uint64_t>) {
      f(t);
    } else {
      throw Error(ErrorKind::kInternal, "MatMul: unexpected dtype");
    }
  });
}

void infer_matmul(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kI32, DType::kI64, DType::kU32, DType::kU64});
  if (ctx.dtype(1) != ctx.dtype(0)) ctx.fail("B dtype differs from A's");
  MatMulGeom g;
  std::string err = g.init(ctx.shape(0), ctx.shape(1));
  if (!err.empty()) ctx.fail(err);
  ctx.set_output(0, ctx.dtype(0), g.out);
}

}  // namespace

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

namespace {

// The oracles: one dot product per output, in the input's type.
template <class T> void gemm_naive(const KernelContext& ctx) {
  const TensorView& av = ctx.in(0);
  const TensorView& bv = ctx.in(1);
  const bool ta = ctx.attrs().get_int("transA", 0) != 0, tb = ctx.attrs().get_int("transB", 0) != 0;
  const T alpha = static_cast<T>(ctx.attrs().get_float("alpha", 1.f));
  const T beta = static_cast<T>(ctx.attrs().get_float("beta", 1.f));
  const int64_t M = ta ? av.shape[1] : av.shape[0], K = ta ? av.shape[0] : av.shape[1];
  const int64_t N = tb ? bv.shape[0] : bv.shape[1];
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
         {KernelDef{"ref", gemm_ref}, KernelDef{"portable", gemm_kernel, nullptr, 1, gemm_scratch}}});
  r.add({"MatMul", "", infer_matmul,
         {KernelDef{"ref", matmul_ref}, KernelDef{"portable", matmul_kernel, nullptr, 1, matmul_scratch}}});
}

}  // namespace edgewm
