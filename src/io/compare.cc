#include "io/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace edgewm {

namespace {

double element(const TensorView& t, int64_t i) {
  switch (t.dtype) {
    case DType::kF32: return static_cast<const float*>(t.data)[i];
    case DType::kF64: return static_cast<const double*>(t.data)[i];
    case DType::kF16: return half_to_float(static_cast<const uint16_t*>(t.data)[i]);
    case DType::kI8: return static_cast<const int8_t*>(t.data)[i];
    case DType::kU8: return static_cast<const uint8_t*>(t.data)[i];
    case DType::kI16: return static_cast<const int16_t*>(t.data)[i];
    case DType::kU16: return static_cast<const uint16_t*>(t.data)[i];
    case DType::kI32: return static_cast<const int32_t*>(t.data)[i];
    case DType::kU32: return static_cast<const uint32_t*>(t.data)[i];
    case DType::kI64: return static_cast<double>(static_cast<const int64_t*>(t.data)[i]);
    case DType::kU64: return static_cast<double>(static_cast<const uint64_t*>(t.data)[i]);
    case DType::kBool: return static_cast<const uint8_t*>(t.data)[i] ? 1.0 : 0.0;
    default: return 0;
  }
}

}  // namespace

Comparison compare_tensors(const TensorView& actual, const TensorView& expected, const Tolerance& tol) {
  Comparison c;
  if (actual.dtype != expected.dtype || actual.shape != expected.shape) {
    c.ok = false;
    c.reason = "got " + describe(actual) + ", expected " + describe(expected);
    return c;
  }
  const bool exact = !dtype_is_float(actual.dtype);
  for (int64_t i = 0; i < actual.numel(); ++i) {
    if (exact && (actual.dtype == DType::kI64 || actual.dtype == DType::kU64)) {
      // Compare 64-bit integers bit-exactly (doubles lose precision past 2^53).
      if (std::memcmp(static_cast<const char*>(actual.data) + i * 8, static_cast<const char*>(expected.data) + i * 8, 8)) {
        if (c.first_bad < 0) c.first_bad = i;
        ++c.mismatches;
        c.max_abs_error = std::max(c.max_abs_error, std::fabs(element(actual, i) - element(expected, i)));
      }
      continue;
    }
    double a = element(actual, i), e = element(expected, i);
    bool good;
    if (std::isnan(e) || std::isnan(a)) {
      good = std::isnan(e) && std::isnan(a);
    } else if (std::isinf(e) || std::isinf(a)) {
      good = a == e;
    } else {
      double err = std::fabs(a - e);
      c.max_abs_error = std::max(c.max_abs_error, err);
      if (e != 0) c.max_rel_error = std::max(c.max_rel_error, err / std::fabs(e));
      good = exact ? a == e : err <= tol.atol + tol.rtol * std::fabs(e);
    }
    if (!good) {
      if (c.first_bad < 0) c.first_bad = i;
      ++c.mismatches;
    }
  }
  if (dtype_is_float(actual.dtype)) c.rel_l2 = relative_l2(actual, expected);
  if (tol.rel_l2 > 0 && dtype_is_float(actual.dtype)) {
    c.ok = c.rel_l2 <= tol.rel_l2;  // NaN fails
    if (!c.ok) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "relative L2 error %.4g exceeds %.4g (%lld of %lld elements outside rtol/atol)",
                    c.rel_l2, tol.rel_l2, static_cast<long long>(c.mismatches), static_cast<long long>(actual.numel()));
      c.reason = buf;
    }
    return c;
  }
  if (c.mismatches) {
    c.ok = false;
    char buf[256];
    std::snprintf(buf, sizeof buf, "%lld of %lld elements differ; first at flat index %lld: got %.9g, expected %.9g",
                  static_cast<long long>(c.mismatches), static_cast<long long>(actual.numel()),
                  static_cast<long long>(c.first_bad), element(actual, c.first_bad), element(expected, c.first_bad));
    c.reason = buf;
  }
  return c;
}

double relative_l2(const TensorView& actual, const TensorView& expected) {
  if (actual.dtype != expected.dtype || actual.shape != expected.shape) return std::nan("");
  double diff = 0, norm = 0;
  for (int64_t i = 0; i < actual.numel(); ++i) {
    const double a = element(actual, i), e = element(expected, i);
    diff += (a - e) * (a - e);
    norm += e * e;
  }
  return std::sqrt(diff) / std::max(std::sqrt(norm), 1e-30);
}

}  // namespace edgewm
