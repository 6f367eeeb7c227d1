#pragma once
// Compares a result with a reference the way ONNX's backend tests do:
// |actual - expected| <= atol + rtol * |expected|, NaN matching NaN, integers exactly.
#include <string>

#include "edgewm/tensor.h"

namespace edgewm {

struct Tolerance {
  double rtol = 1e-3;
  double atol = 1e-4;
};

struct Comparison {
  bool ok = true;
  std::string reason;         // dtype/shape mismatch, or where the worst element is
  double max_abs_error = 0;   // over all elements
  double max_rel_error = 0;   // |a-e| / |e| over elements with e != 0
  int64_t mismatches = 0;     // elements outside tolerance
  int64_t first_bad = -1;     // flat index
};

Comparison compare_tensors(const TensorView& actual, const TensorView& expected, const Tolerance& tol);

}  // namespace edgewm
