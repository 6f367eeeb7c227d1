#include "kernels/winograd_transforms.h"

namespace edgewm {

const WinogradTransforms* winograd_transforms(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return winograd_transforms_avx512();
    case Isa::kAvx2: return winograd_transforms_avx2();
    default: return nullptr;
  }
}

}  // namespace edgewm
