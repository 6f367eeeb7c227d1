// edgewm.QLinearAdd and edgewm.QLinearMul: C = Q(DQ(A) op DQ(B)) with numpy broadcasting, A and
// B u8 or s8 each with one scale and zero point, C of its zero point's type; the inputs as
// com.microsoft's QLinearAdd/QLinearMul take them (A, A_scale, A_zp, B, B_scale, B_zp, C_scale,
// C_zp). What fuse-qdq-binary makes of DequantizeLinear x2 -> Add/Mul -> QuantizeLinear (a
// residual add, a gate): the float math of the unfused graph element by element (dequantise each
// side, add or multiply in float32, quantise), so bit for bit its answer, without the float
// tensors.
#include <string>

#include "kernels/ref/movement.h"
#include "kernels/ref/quant.h"
#include "kernels/ref/strided.h"
#include "kernels/register_ops.h"

namespace edgewm {

namespace {

using namespace ref::quant;

enum : size_t { kA, kAs, kAz, kB, kBs, kBz, kCs, kCz };

void infer_qlinear_binary(InferContext& ctx) {
  if (ctx.num_inputs() != 8) ctx.fail("takes 8 inputs (A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp)");
  for (size_t i : {kA, kAz, kB, kBz, kCz}) ctx.expect_dtype(i, {DType::kU8, DType::kI8});
  if (ctx.dtype(kAz) != ctx.dtype(kA) || ctx.dtype(kBz) != ctx.dtype(kB))
    ctx.fail("a zero point's type differs from its input's");
  for (size_t i : {kAs, kBs, kCs}) {
    ctx.expect_dtype(i, {DType::kF32});
    if (ctx.shape(i).numel() != 1 || ctx.shape(i).rank() > 1) ctx.unsupported("scale " + ctx.shape(i).str() + " (one per tensor is)");
  }
  for (size_t i : {kAz, kBz, kCz})
    if (ctx.shape(i).numel() != 1 || ctx.shape(i).rank() > 1) ctx.unsupported("zero point " + ctx.shape(i).str() + " (one per tensor is)");
  ctx.set_output(0, ctx.dtype(kCz), broadcast_shapes(ctx, ctx.shape(kA), ctx.shape(kB)));
}

template <bool kMul> void qlinear_binary_kernel(const KernelContext& c) {
  using ref::mv::load_as_double;
  auto scalar = [&](size_t i) { return static_cast<float>(load_as_double(c.in(i), 0)); };
  const float as = scalar(kAs), az = scalar(kAz), bs = scalar(kBs), bz = scalar(kBz), cs = scalar(kCs);
  const int64_t cz = static_cast<int64_t>(load_as_double(c.in(kCz), 0));
  const DType ct = c.out(0).dtype;
  int64_t lo, hi;
  int_range(ct, lo, hi);
  const TensorView &a = c.in(kA), &b = c.in(kB), &y = c.out(0);
  const auto plan = ref::plan_broadcast<2>(y.shape, {&a.shape, &b.shape});
  ref::for_each_run(plan, [&](const std::array<int64_t, 2>& off, int64_t o, int64_t n, const std::array<int64_t, 2>& st) {
    for (int64_t i = 0; i < n; ++i) {
      const float fa = dequantize_value(load_as_double(a, off[0] + i * st[0]), az, as);
      const float fb = dequantize_value(load_as_double(b, off[1] + i * st[1]), bz, bs);
      const float r = kMul ? fa * fb : fa + fb;
      ref::mv::store_from_double(ct, static_cast<char*>(y.data) + (o + i) * dtype_size(ct), quantize_value(r, cs, cz, lo, hi));
    }
  });
}

}  // namespace

void register_quant_binary_ops(OpRegistry& r) {
  for (const char* op : {"QLinearAdd", "QLinearMul"}) {
    const bool mul = std::string(op) == "QLinearMul";
    r.add({op, "edgewm", infer_qlinear_binary, {KernelDef{"ref", mul ? qlinear_binary_kernel<true> : qlinear_binary_kernel<false>}},
           false, false, std::vector<std::string>{}});
  }
}

}  // namespace edgewm
