#pragma once
// Gemm's and MatMul's semantics (numpy's 1-D promotion and batch broadcasting) as geometry,
// shared by the reference loops (ref/nn_matmul.cc) and the blocked kernels (gemm/matmul_blocked.cc).
#include <algorithm>
#include <string>
#include <type_traits>

#include "edgewm/error.h"
#include "edgewm/shape.h"
#include "ir/attribute.h"
#include "kernels/ref/dispatch.h"

namespace edgewm {

// Gemm's attributes and sizes: Y[M x N] = alpha * op(A)[M x K] * op(B)[K x N] + beta * C.
struct GemmGeom {
  bool ta = false, tb = false;
  float alpha = 1.f, beta = 1.f;
  int64_t M = 0, K = 0, N = 0;
  static GemmGeom of(const Attributes& a, const Shape& sa, const Shape& sb) {
    GemmGeom g;
    g.ta = a.get_int("transA", 0) != 0;
    g.tb = a.get_int("transB", 0) != 0;
    g.alpha = a.get_float("alpha", 1.f);
    g.beta = a.get_float("beta", 1.f);
    g.M = g.ta ? sa[1] : sa[0];
    g.K = g.ta ? sa[0] : sa[1];
    g.N = g.tb ? sb[0] : sb[1];
    return g;
  }
};

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

}  // namespace edgewm
