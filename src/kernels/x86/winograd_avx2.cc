// Winograd transforms compiled with avx2 (this file's flags come from CMakeLists.txt).
#include "kernels/winograd_transforms_portable.h"

namespace edgewm {

const WinogradTransforms* winograd_transforms_avx2() {
  static const WinogradTransforms t{winograd_detail::input_rows, winograd_detail::output_rows};
  return &t;
}

}  // namespace edgewm
