#include "kernels/gemm/gemm_micro.h"

namespace edgewm {

const GemmMicroF32* gemm_micro_f32(Isa isa) {
  static const GemmMicroF32 avx2{"gemm_f32_6x16__avx2", "avx2", 6, 16, gemm_f32_6x16__avx2, gemv_f32__avx2};
  static const GemmMicroF32 avx512{"gemm_f32_7x64__avx512", "avx512", 7, 64, gemm_f32_7x64__avx512, gemv_f32__avx512};
  switch (isa) {
    case Isa::kAvx512: return &avx512;
    case Isa::kAvx2: return &avx2;
    default: return nullptr;
  }
}

}  // namespace edgewm
