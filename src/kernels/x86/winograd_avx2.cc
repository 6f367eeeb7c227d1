// Winograd transforms compiled with avx2 (this file's flags come from CMakeLists.txt).
#include "kernels/conv/winograd_transforms_portable.h"

namespace edgewm {

void winograd_f23_input_rows__avx2(const float* xc, const WinogradShape& s, int64_t ty0, int64_t ty1, float* v,
                                    int64_t plane, int64_t ld) {
  winograd_detail::input_rows(xc, s, ty0, ty1, v, plane, ld);
}
void winograd_f23_output_rows__avx2(const float* m, float bias, const WinogradShape& s, int64_t ty0, int64_t ty1,
                                     float* y, const float* z, int64_t plane) {
  winograd_detail::output_rows(m, bias, s, ty0, ty1, y, z, plane);
}

}  // namespace edgewm
