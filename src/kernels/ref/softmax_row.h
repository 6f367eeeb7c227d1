#pragma once
// The reference Softmax kernel's row (kernels/ref/reduce_softmax.cc), exported for the vector
// softmax rows, which hand non-finite rows to it so that NaN and Inf come out as the reference's.
#include <cstdint>

namespace edgewm {

void softmax_row_f32_scalar(const float* x, float* y, int64_t n);

}  // namespace edgewm
