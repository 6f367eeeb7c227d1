#pragma once
// Vectorised f32 normalisation rows: y = (x - mean) / sqrt(var + eps) * scale + bias over one
// contiguous row (an InstanceNormalization channel, a GroupNorm group). Two passes for the
// moments (mean, then squared deviations) keep the variance accurate without doubles.
#include <cstdint>

namespace edgewm {

void normalize_row_f32_avx2(const float* x, float* y, int64_t n, float scale, float bias, float eps);
void normalize_row_f32_avx512(const float* x, float* y, int64_t n, float scale, float bias, float eps);

}  // namespace edgewm
