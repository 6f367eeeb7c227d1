// The ARM64 ISA table: NEON (every AArch64 CPU), each building block in its own file.
#include "kernels/isa_table.h"

namespace edgewm {

namespace {

const IsaTable kNeon{
    Isa::kNeon,
    "neon",
    10,
    {"gemm_f32_6x16__neon", "neon", 6, 16, gemm_f32_6x16__neon, gemv_f32__neon},
    {normalize_row_f32_neon, affine_act_f32_neon, sigmoid_f32_neon, silu_f32_neon, softmax_row_f32_neon},
    {winograd_f23_input_rows__neon, winograd_f23_output_rows__neon},
    depthwise_plane_f32_neon,
    &kQGemmPortable,  // NEON sdot instances: not yet
};

}  // namespace

const IsaTable* isa_table(Isa isa) { return isa == Isa::kNeon ? &kNeon : nullptr; }

}  // namespace edgewm
