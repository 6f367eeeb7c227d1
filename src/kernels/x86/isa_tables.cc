// The x86-64 ISA tables: every vector building block of AVX2+FMA and of AVX-512 (F, VL, BW,
// DQ), each defined in its own file compiled with that ISA's flags only.
#include "kernels/isa_table.h"

namespace edgewm {

namespace {

const IsaTable kAvx2{
    Isa::kAvx2,
    "avx2",
    10,
    {"gemm_f32_6x16__avx2", "avx2", 6, 16, gemm_f32_6x16__avx2, gemv_f32__avx2},
    {normalize_row_f32_avx2, affine_act_f32_avx2, sigmoid_f32_avx2, silu_f32_avx2, softmax_row_f32_avx2},
    {winograd_f23_input_rows__avx2, winograd_f23_output_rows__avx2},
    depthwise_plane_f32_avx2,
    &kQGemmAvx2,
};

const IsaTable kAvx512{
    Isa::kAvx512,
    "avx512",
    20,
    {"gemm_f32_7x64__avx512", "avx512", 7, 64, gemm_f32_7x64__avx512, gemv_f32__avx512},
    {normalize_row_f32_avx512, affine_act_f32_avx512, sigmoid_f32_avx512, silu_f32_avx512, softmax_row_f32_avx512},
    {winograd_f23_input_rows__avx512, winograd_f23_output_rows__avx512},
    depthwise_plane_f32_avx512,
    &kQGemmAvx2,  // AVX-512 BW / VNNI instances: not yet
};

}  // namespace

const IsaTable* isa_table(Isa isa) {
  switch (isa) {
    case Isa::kAvx2: return &kAvx2;
    case Isa::kAvx512: return &kAvx512;
    default: return nullptr;
  }
}

}  // namespace edgewm
