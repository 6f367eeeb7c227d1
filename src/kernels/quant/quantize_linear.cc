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
bool quantize_supports(const Node& n, const Graph& g) {
  const DType x = g.value(n.inputs[0]).dtype, y = g.value(n.outputs[0]).dtype;
  return x == DType::kF32 && (y == DType::kU8 || y == DType::kI8) && layout_supported(n, g);
}
bool dequantize_supports(const Node& n, const Graph& g) {
  const DType x = g.value(n.inputs[0]).dtype, y = g.value(n.outputs[0]).dtype;
  return (x == DType::kU8 || x == DType::kI8 || x == DType::kI32) && y == DType::kF32 && layout_supported(n, g);
}

template <class Q> void quantize_run(const float* x, Q* y, int64_t n, float scale, float zp) {
  constexpr float lo = static_cast<float>(std::numeric_limits<Q>::min()), hi = static_cast<float>(std::numeric_limits<Q>::max());
  constexpr float kRound = 12582912.f;  // 1.5 * 2^23: adding and subtracting it rounds half to even
  for (int64_t i = 0; i < n; ++i) {
    float q = x[i] / scale;  // divided, as the spec (and the reference) do
    q = q == q ? std::clamp(q, -4194304.f, 4194304.f) : 0.f;  // NaN -> the zero point; |q| <= 2^22
    float v = (q + kRound) - kRound + zp;
    v = v < lo ? lo : (v > hi ? hi : v);
    y[i] = static_cast<Q>(v);
  }
}

template <class Q> void dequantize_run(const Q* x, float* y, int64_t n, float scale, float zp) {
  for (int64_t i = 0; i < n; ++i) y[i] = (static_cast<float>(x[i]) - zp) * scale;
}

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

void quantize_kernel(const KernelContext& c) {
  const float* x = c.in(0).as<float>();
  const float* s = c.in(1).as<float>();
  for_runs(c, [&](int64_t k, int64_t b, int64_t e) {
    const float scale = s[k], zp = zero_point_at(c, k);
    if (c.out(0).dtype == DType::kU8) quantize_run(x + b, static_cast<uint8_t*>(c.out(0).data) + b, e - b, scale, zp);
    else quantize_run(x + b, static_cast<int8_t*>(c.out(0).data) + b, e - b, scale, zp);
  });
}

void dequantize_kernel(const KernelContext& c) {
  const float* s = c.in(1).as<float>();
  float* y = c.out(0).as<float>();
  for_runs(c, [&](int64_t k, int64_t b, int64_t e) {
    const float scale = s[k], zp = zero_point_at(c, k);
    switch (c.in(0).dtype) {
      case DType::kU8: dequantize_run(static_cast<const uint8_t*>(c.in(0).data) + b, y + b, e - b, scale, zp); break;
      case DType::kI8: dequantize_run(static_cast<const int8_t*>(c.in(0).data) + b, y + b, e - b, scale, zp); break;
      default: dequantize_run(static_cast<const int32_t*>(c.in(0).data) + b, y + b, e - b, scale, zp); break;
    }
  });
}

}  // namespace

void register_quantize_linear(OpRegistry& r) {
  r.add_kernel("QuantizeLinear", KernelDef{"portable", quantize_kernel, quantize_supports, 1});
  r.add_kernel("DequantizeLinear", KernelDef{"portable", dequantize_kernel, dequantize_supports, 1});
}

}  // namespace edgewm
