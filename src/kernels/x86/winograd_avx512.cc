// Winograd transforms compiled with avx512 (this file's flags come from CMakeLists.txt).
#include "kernels/x86/winograd_transforms.h"

namespace edgewm {

const WinogradTransforms* winograd_transforms_avx512() {
  static const WinogradTransforms t{winograd_detail::input_rows, winograd_detail::output_rows};
  return &t;
}

}  // namespace edgewm
