#include "kernels/gemm/gemm_micro.h"

namespace edgewm {

void gemv_f32_strided(int64_t k, int64_t n, const float* x, int64_t xs, const float* b, int64_t b_rs, int64_t b_cs,
                      float alpha, float* y) {
  for (int64_t j = 0; j < n; ++j) {
    float s = 0;
    for (int64_t q = 0; q < k; ++q) s += x[q * xs] * b[q * b_rs + j * b_cs];
    y[j] += alpha * s;
  }
}

}  // namespace edgewm
