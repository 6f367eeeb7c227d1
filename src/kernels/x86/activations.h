#pragma once
// Vectorised f32 activations (exp-based), one implementation per ISA in its own file.
// Accuracy: within 2 ulp-ish of the libm result (relative error < 2e-7 on normal outputs).
#include <cstdint>

namespace edgewm {

void sigmoid_f32_avx2(const float* x, float* y, int64_t n);
void sigmoid_f32_avx512(const float* x, float* y, int64_t n);
// SiLU: y = x * sigmoid(x).
void silu_f32_avx2(const float* x, float* y, int64_t n);
void silu_f32_avx512(const float* x, float* y, int64_t n);
// y = a x + b, then SiLU when `silu` (a normalised channel's scale, shift and activation).
void affine_act_f32_avx2(const float* x, float* y, int64_t n, float a, float b, bool silu);
void affine_act_f32_avx512(const float* x, float* y, int64_t n, float a, float b, bool silu);



}  // namespace edgewm
