#pragma once
// Vectorised f32 activations (exp-based), one implementation per ISA in its own file.
// Accuracy: within 2 ulp-ish of the libm result (relative error < 2e-7 on normal outputs).
#include <cstdint>

namespace edgewm {

void sigmoid_f32_avx2(const float* x, float* y, int64_t n);
void sigmoid_f32_avx512(const float* x, float* y, int64_t n);



}  // namespace edgewm
