#include "kernels/quant/quantize_linear.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "edgewm/thread_pool.h"

namespace edgewm {

namespace {

// Per tensor (a one-value scale) or per axis (1-D scale, no block_size): one scale per
// contiguous run of `inner` elements, `dim` runs cycling.
bool simple_layout(const Attributes& a, const Shape& x, const Shape& s, int64_t* inner = nullptr, int64_t* dim = nullptr) {
  if (a.get_int("block_size", 0) != 0) return false;
  int64_t in = x.numel(), d = 1;
  if (s.numel() != 1) {
    if (s.rank() != 1 || x.rank() == 0) return false;
    int64_t ax = a.get_int("axis", 1);
    if (ax < 0) ax += x.rank();
    if (ax < 0 || ax >= x.rank()) return false;
    d = x[static_cast<int>(ax)];
    in = 1;
    for (int k = static_cast<int>(ax) + 1; k < x.rank(); ++k) in *= x[k];
  }
  if (inner) *inner = in;
  if (dim) *dim = d;
  return true;
}

bool layout_supported(const Node& n, const Graph& g) {
  const Value& x = g.value(n.inputs[0]);
  const Value& s = g.value(n.inputs[1]);
  return x.shape_known && s.shape_known && s.dtype == DType::kF32 && simple_layout(n.attrs, x.shape, s.shape);
}
}  // namespace

bool quantize_supports(const Node& n, const Graph& g) {
  const DType x = g.value(n.inputs[0]).dtype, y = g.value(n.outputs[0]).dtype;
  return x == DType::kF32 && (y == DType::kU8 || y == DType::kI8) && layout_supported(n, g);
}
bool dequantize_supports(const Node& n, const Graph& g) {
  const DType x = g.value(n.inputs[0]).dtype, y = g.value(n.outputs[0]).dtype;
  return (x == DType::kU8 || x == DType::kI8 || x == DType::kI32) && y == DType::kF32 && layout_supported(n, g);
}

namespace {

float zero_point_at(const KernelContext& c, int64_t k) {
  if (!c.has_in(2)) return 0.f;
  const TensorView& z = c.in(2);
  switch (z.dtype) {
    case DType::kU8: return static_cast<const uint8_t*>(z.data)[k];
    case DType::kI8: return static_cast<const int8_t*>(z.data)[k];
    case DType::kI32: return static_cast<float>(static_cast<const int32_t*>(z.data)[k]);
    default: return 0.f;
  }
}

// Runs f(parameter index, begin, end) over the runs of one scale, in parallel.
template <class F> void for_runs(const KernelContext& c, F&& f) {
  int64_t inner = 1, dim = 1;
  simple_layout(c.attrs(), c.in(0).shape, c.in(1).shape, &inner, &dim);
  const bool per_tensor = c.in(1).numel() == 1;
  c.pool->parallel_for(c.in(0).numel(), 16384, [&](int64_t b, int64_t e) {
    while (b < e) {
      const int64_t run = inner > 0 ? b / inner : 0, end = inner > 0 ? std::min(e, (run + 1) * inner) : e;
      f(per_tensor ? 0 : run % dim, b, end);
      b = end;
    }
  });
}

}  // namespace

void quantize_with(const KernelContext& c, const QGemmKernels& k) {
  const float* x = c.in(0).as<float>();
  const float* s = c.in(1).as<float>();
  const bool is_signed = c.out(0).dtype == DType::kI8;
  uint8_t* y = static_cast<uint8_t*>(c.out(0).data);
  for_runs(c, [&](int64_t p, int64_t b, int64_t e) { k.rows.quantize(x + b, e - b, s[p], zero_point_at(c, p), is_signed, y + b); });
}

void dequantize_with(const KernelContext& c, const QGemmKernels& k) {
  const float* s = c.in(1).as<float>();
  float* y = c.out(0).as<float>();
  const DType t = c.in(0).dtype;
  const QElement kind = t == DType::kU8 ? QElement::kU8 : (t == DType::kI8 ? QElement::kS8 : QElement::kS32);
  const char* x = static_cast<const char*>(c.in(0).data);
  const int64_t es = static_cast<int64_t>(dtype_size(t));
  for_runs(c, [&](int64_t p, int64_t b, int64_t e) { k.rows.dequantize(x + b * es, kind, e - b, s[p], zero_point_at(c, p), y + b); });
}

namespace {

void quantize_portable(const KernelContext& c) { quantize_with(c, kQGemmPortable); }
void dequantize_portable(const KernelContext& c) { dequantize_with(c, kQGemmPortable); }

}  // namespace

void register_quantize_linear(OpRegistry& r) {
  r.add_kernel("QuantizeLinear", KernelDef{"portable", quantize_portable, quantize_supports, 1});
  r.add_kernel("DequantizeLinear", KernelDef{"portable", dequantize_portable, dequantize_supports, 1});
}

}  // namespace edgewm
