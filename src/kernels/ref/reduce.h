#pragma once
// Private to the reference reduction kernels (reduce*.cc): Reduce*, ArgMax/ArgMin, TopK,
// Softmax/LogSoftmax/Hardmax, LpNormalization, CumSum. Most of them work on a tensor seen as
// [outer, len, inner] around one axis: inner == 1 (the last axis) runs as contiguous rows, the
// other case walks `inner` in chunks of kChunk with the per-lane state on the stack, so every
// inner loop is contiguous and no kernel allocates.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "edgewm/thread_pool.h"
#include "edgewm/shape.h"
#include "edgewm/tensor.h"
#include "ir/op_registry.h"

namespace edgewm {

void register_reduce_arith_ops(OpRegistry& r);  // reduce.cc: ReduceSum ... ReduceSumSquare
void register_select_ops(OpRegistry& r);        // reduce_select.cc: ArgMax, ArgMin, TopK
void register_softmax_ops(OpRegistry& r);       // reduce_softmax.cc: Softmax, LogSoftmax, Hardmax, LpNormalization
void register_cumsum_ops(OpRegistry& r);        // reduce_cumsum.cc: CumSum

namespace ref::reduce {

// Columns of the strided (inner > 1) walk handled together; per-column state lives on the stack.
inline constexpr int64_t kChunk = 64;

// A tensor as [outer, len, inner] around `axis` (already in [0, rank)).
struct AxisGeometry {
  int64_t outer = 1, len = 1, inner = 1;
};
inline AxisGeometry around_axis(const Shape& s, int axis) {
  AxisGeometry g;
  for (int i = 0; i < s.rank(); ++i) {
    if (i < axis) g.outer *= s[i];
    else if (i == axis) g.len = s[i];
    else g.inner *= s[i];
  }
  return g;
}

// Chunks for parallel_for so that one chunk does at least ~16K element visits.
inline int64_t grain_for(int64_t work_per_item) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, work_per_item));
}

// Element i of an integer tensor (i32 or i64; inference checked which).
inline int64_t int_at(const TensorView& t, int64_t i) {
  return t.dtype == DType::kI64 ? static_cast<const int64_t*>(t.data)[i] : static_cast<const int32_t*>(t.data)[i];
}

// NaN test that is constant false for integer types.
template <class T> inline bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

// ArgMax/ArgMin/Hardmax/TopK order: NaN ranks above every number (numpy and onnxruntime put it
// first for the largest), NaNs tie with each other. greater(a, b): a ranks strictly above b.
template <class T> inline bool greater(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return !std::isnan(b);
    if (std::isnan(b)) return false;
  }
  return a > b;
}

// exp(x) for x <= 0 (or NaN), as Softmax needs after subtracting the row maximum: Cephes' expf
// (range reduction by ln 2, degree-6 polynomial; within 1 ulp of the correctly rounded result
// over [-87.3, 0]) written without branches, calls or float->int conversions so that loops over
// it vectorise. Below log(FLT_MIN) it gives 0 (so -inf gives exactly 0); NaN stays NaN.
inline float exp_nonpositive(float x) {
  constexpr float kLo = -87.33654475f;  // log(FLT_MIN)
  constexpr float kRound = 12582912.f;  // 1.5 * 2^23: adding it rounds to an integer
  const float t = x * 1.44269504088896341f + kRound;
  const float n = t - kRound;  // round(x / ln 2)
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  // t's low mantissa bits hold n: 2^n from its exponent field (garbage below kLo, masked off;
  // unsigned, so that garbage cannot overflow).
  const uint32_t ni = std::bit_cast<uint32_t>(t) - std::bit_cast<uint32_t>(kRound);
  const float y = p * std::bit_cast<float>((ni + 127u) << 23);
  const uint32_t keep = 0u - static_cast<uint32_t>(!(x < kLo));  // all ones unless x < kLo
  return std::bit_cast<float>(std::bit_cast<uint32_t>(y) & keep);
}

// Wrapping integer add (two's complement), plain add for floats.
template <class T> inline T wrap_add(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  } else {
    return a + b;
  }
}

// Iterates the offsets of a row-major walk over dims (size, stride), innermost last.
struct Walker {
  int n = 0;
  int64_t size[Shape::kMaxRank] = {};
  int64_t stride[Shape::kMaxRank] = {};
  int64_t idx[Shape::kMaxRank] = {};
  int64_t off = 0;

  int64_t count() const {
    int64_t c = 1;
    for (int d = 0; d < n; ++d) c *= size[d];
    return c;
  }
  void seek(int64_t flat) {
    off = 0;
    for (int d = n - 1; d >= 0; --d) {
      idx[d] = flat % size[d];
      flat /= size[d];
      off += idx[d] * stride[d];
    }
  }
  void next() {
    for (int d = n - 1; d >= 0; --d) {
      off += stride[d];
      if (++idx[d] < size[d]) return;
      off -= stride[d] * size[d];
      idx[d] = 0;
    }
  }
};

}  // namespace ref::reduce
}  // namespace edgewm
