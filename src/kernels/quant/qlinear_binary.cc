// The fast edgewm.QLinearAdd / QLinearMul (kernels/ref/quant_binary.cc) where the operands have
// the output's shape or one of them a single value (a residual add; a gate or scale): per block
// of 256 elements each side dequantised by the ISA's DequantizeLinear row, added or multiplied
// in float32, quantised by its QuantizeLinear row: the reference's arithmetic in its order, bit
// for bit, with the float values only in a block on the stack. In parallel over blocks.
#include <algorithm>

#include "edgewm/thread_pool.h"
#include "kernels/quant/quantize_linear.h"

namespace edgewm {

namespace {

enum : size_t { kA, kAs, kAz, kB, kBs, kBz, kCs, kCz };
constexpr int64_t kBlock = 256;

float zero_point(const TensorView& z) {
  return z.dtype == DType::kI8 ? static_cast<const int8_t*>(z.data)[0] : static_cast<const uint8_t*>(z.data)[0];
}
QElement element(DType t) { return t == DType::kI8 ? QElement::kS8 : QElement::kU8; }

}  // namespace

bool qlinear_binary_supports(const Node& n, const Graph& g) {
  if (n.inputs.size() != 8 || n.outputs.size() != 1) return false;
  for (size_t i : {kAs, kAz, kBs, kBz, kCs, kCz})
    if (n.inputs[i] == kNoValue) return false;
  const Shape& y = g.value(n.outputs[0]).shape;
  const Shape &a = g.value(n.inputs[kA]).shape, &b = g.value(n.inputs[kB]).shape;
  auto fits = [&](const Shape& s) { return s == y || s.numel() == 1; };
  return g.value(n.outputs[0]).shape_known && fits(a) && fits(b);
}

void qlinear_binary_with(const KernelContext& c, const QGemmKernels& k) {
  const bool mul = c.node->op_type == "QLinearMul";
  const TensorView &a = c.in(kA), &b = c.in(kB), &y = c.out(0);
  const float as = *c.in(kAs).as<float>(), bs = *c.in(kBs).as<float>(), cs = *c.in(kCs).as<float>();
  const float az = zero_point(c.in(kAz)), bz = zero_point(c.in(kBz)), cz = zero_point(c.in(kCz));
  const int64_t n = y.numel();
  const bool a_one = a.numel() == 1 && n != 1, b_one = b.numel() == 1 && n != 1;
  const uint8_t* pa = static_cast<const uint8_t*>(a.data);
  const uint8_t* pb = static_cast<const uint8_t*>(b.data);
  uint8_t* py = static_cast<uint8_t*>(y.data);
  const bool y_signed = y.dtype == DType::kI8;
  // A single-valued side dequantised once, as the reference would each time.
  float fa1 = 0, fb1 = 0;
  if (a_one) k.rows.dequantize(pa, element(a.dtype), 1, as, az, &fa1);
  if (b_one) k.rows.dequantize(pb, element(b.dtype), 1, bs, bz, &fb1);
  c.pool->parallel_for((n + kBlock - 1) / kBlock, 16, [&](int64_t b0, int64_t b1) {
    alignas(64) float fa[kBlock], fb[kBlock];
    for (int64_t blk = b0; blk < b1; ++blk) {
      const int64_t i = blk * kBlock, len = std::min(kBlock, n - i);
      if (a_one) std::fill(fa, fa + len, fa1);
      else k.rows.dequantize(pa + i, element(a.dtype), len, as, az, fa);
      if (b_one) std::fill(fb, fb + len, fb1);
      else k.rows.dequantize(pb + i, element(b.dtype), len, bs, bz, fb);
      if (mul)
        for (int64_t j = 0; j < len; ++j) fa[j] *= fb[j];
      else
        for (int64_t j = 0; j < len; ++j) fa[j] += fb[j];
      k.rows.quantize(fa, len, cs, cz, y_signed, py + i);
    }
  });
}

namespace {
void qlinear_binary_portable(const KernelContext& c) { qlinear_binary_with(c, kQGemmPortable); }
}  // namespace

void register_qlinear_binary(OpRegistry& r) {
  for (const char* op : {"QLinearAdd", "QLinearMul"})
    r.add_kernel(op, KernelDef{"portable", qlinear_binary_portable, qlinear_binary_supports, 1}, "edgewm");
}

}  // namespace edgewm
