// Winograd transforms for ARM64: the portable loops, vectorised by the compiler for NEON
// (AArch64's baseline), and the dispatcher the ARM kernels ask.
#include "kernels/winograd_transforms_portable.h"

namespace edgewm {

const WinogradTransforms* winograd_transforms_neon() {
  static const WinogradTransforms t{winograd_detail::input_rows, winograd_detail::output_rows};
  return &t;
}

const WinogradTransforms* winograd_transforms(Isa isa) { return isa == Isa::kNeon ? winograd_transforms_neon() : nullptr; }

}  // namespace edgewm
