#include "kernels/x86/gemm_micro.h"

namespace edgewm {

const GemmMicroF32* gemm_micro_f32(Isa isa) {
  static const GemmMicroF32 avx2{"avx2", 6, 16, gemm_micro_f32_avx2, gemv_f32_avx2};
  static const GemmMicroF32 avx512{"avx512", 7, 64, gemm_micro_f32_avx512, gemv_f32_avx512};
  switch (isa) {
    case Isa::kAvx512: return &avx512;
    case Isa::kAvx2: return &avx2;
    default: return nullptr;
  }
}

}  // namespace edgewm
