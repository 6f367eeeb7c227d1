// GEMM-shaped Einsum equations on the blocked GEMM: the batch labels index the matrices, the
// operands' strides address A and B in place (transposed operands need no copy).
#include <algorithm>

#include "kernels/gemm/gemm_blocked.h"
#include "kernels/gemm/gemm_ops.h"
#include "kernels/ref/dispatch.h"
#include "kernels/ref/einsum_plan.h"

namespace edgewm {

namespace {

bool plan_of(const Node& n, const Graph& g, EinsumPlan& p) {
  Shape shapes[kMaxOperands];
  if (n.inputs.size() > static_cast<size_t>(kMaxOperands)) return false;
  const int num = static_cast<int>(n.inputs.size());
  for (int i = 0; i < num; ++i) shapes[i] = g.value(n.inputs[i]).shape;
  bool unsupported = false;
  return plan_einsum(einsum_equation(n.attrs), shapes, num, p, &unsupported).empty() && p.gemm;
}

}  // namespace

bool einsum_is_gemm(const Node& n, const Graph& g) {
  EinsumPlan p;
  return plan_of(n, g, p);
}

size_t einsum_scratch(const Node& n, const Graph& g) {
  EinsumPlan p;
  if (!plan_of(n, g, p)) return 0;
  return gemm_scratch_for(g.value(n.inputs[0]).dtype, p.N, p.K);
}

namespace {

template <class T> void einsum_gemm(const KernelContext& ctx, const EinsumPlan& p, const GemmMicroF32* micro) {
  const int ia = p.swap ? 1 : 0, ib = 1 - ia;
  const T* A = ctx.in(ia).as<T>();
  const T* B = ctx.in(ib).as<T>();
  T* Y = ctx.out(0).as<T>();
  std::fill(Y, Y + ctx.out(0).numel(), T(0));
  auto st = [&](int op, int label) -> int64_t { return label >= 0 ? p.op_stride[op][label] : 0; };
  const int64_t a_rs = st(ia, p.lm), a_cs = st(ia, p.lk);
  const int64_t b_rs = st(ib, p.lk), b_cs = st(ib, p.ln);
  const int64_t ldc = p.lm >= 0 ? p.out_stride[p.lm] : 0;
  auto offsets = [&](int64_t batch, int64_t& ao, int64_t& bo, int64_t& yo) {
    ao = bo = yo = 0;
    for (int i = p.num_batch - 1; i >= 0; --i) {
      const int l = p.batch_labels[i];
      const int64_t v = batch % p.size[l];
      batch /= p.size[l];
      ao += v * p.op_stride[ia][l];
      bo += v * p.op_stride[ib][l];
      yo += v * p.out_stride[l];
    }
  };
  auto a_of = [&](int64_t b) {
    int64_t ao, bo, yo;
    offsets(b, ao, bo, yo);
    return A + ao;
  };
  auto c_of = [&](int64_t b) {
    int64_t ao, bo, yo;
    offsets(b, ao, bo, yo);
    return Y + yo;
  };
  auto pack = [&](int64_t b, int64_t k0, int64_t kc, int64_t j0, int64_t nc, T* dst, int64_t ldp) {
    int64_t ao, bo, yo;
    offsets(b, ao, bo, yo);
    StridedPacker<T>{B + bo, 0, b_rs, b_cs}(0, k0, kc, j0, nc, dst, ldp);
  };
  gemm_run<T>(ctx.pool, ctx.scratch, ctx.scratch_bytes, p.batches, p.M, p.N, p.K, a_rs, a_cs, a_of, ldc, c_of, T(1),
              pack, micro);
}

template <class T> void einsum_t(const KernelContext& ctx, const GemmMicroF32* micro) {
  const EinsumPlan p = plan_einsum(ctx);
  einsum_gemm<T>(ctx, p, micro);
}

void einsum_portable(const KernelContext& ctx) {
  switch (ctx.in(0).dtype) {
    case DType::kI32: return einsum_t<int32_t>(ctx, nullptr);
    case DType::kI64: return einsum_t<int64_t>(ctx, nullptr);
    default: ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { einsum_t<decltype(t)>(ctx, nullptr); });
  }
}

}  // namespace

void einsum_f32_with(const KernelContext& ctx, const GemmMicroF32* micro) { einsum_t<float>(ctx, micro); }

void register_blocked_einsum(OpRegistry& r) {
  r.add_kernel("Einsum", KernelDef{"portable", einsum_portable, einsum_is_gemm, 1, einsum_scratch});
}

}  // namespace edgewm
