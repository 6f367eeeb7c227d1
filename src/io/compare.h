#pragma once
// Compares a result with a reference the way ONNX's backend tests do:
// |actual - expected| <= atol + rtol * |expected|, NaN matching NaN, integers exactly; or, for
// quantised models whose outputs differ where a rounding flips, by relative L2 over the tensor.
#include <string>

#include "edgewm/tensor.h"

namespace edgewm {

struct Tolerance {
  double rtol = 1e-3;
  double atol = 1e-4;
  // > 0: float outputs pass when ||actual - expected|| / ||expected|| <= rel_l2 (elementwise
  // rtol/atol are then not applied).
  double rel_l2 = 0;
};

struct Comparison {
  bool ok = true;
  std::string reason;         // dtype/shape mismatch, or where the worst element is
  double max_abs_error = 0;   // over all elements
  double max_rel_error = 0;   // |a-e| / |e| over elements with e != 0
  int64_t mismatches = 0;     // elements outside tolerance
  int64_t first_bad = -1;     // flat index
  double rel_l2 = 0;          // ||actual - expected|| / ||expected|| (float tensors)
};

Comparison compare_tensors(const TensorView& actual, const TensorView& expected, const Tolerance& tol);

// ||actual - expected|| / ||expected|| in double; NaN when shapes or dtypes differ or either holds a NaN.
double relative_l2(const TensorView& actual, const TensorView& expected);

}  // namespace edgewm
