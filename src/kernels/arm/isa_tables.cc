// The ARM64 ISA table: NEON (every AArch64 CPU), each building block in its own file.
#include "kernels/isa_table.h"

namespace edgewm {

const IsaTable* isa_table(Isa isa) {
  // Built on first use: the integer kernels depend on what this CPU reports (sdot), and a
  // function-local static cannot be read before it is initialised, whichever file asks first.
  static const IsaTable kNeon{
      Isa::kNeon,
      "neon",
      10,
      {"gemm_f32_6x16__neon", "neon", 6, 16, gemm_f32_6x16__neon, gemv_f32__neon},
      {normalize_row_f32_neon, affine_act_f32_neon, sigmoid_f32_neon, silu_f32_neon, softmax_row_f32_neon},
      {winograd_f23_input_rows__neon, winograd_f23_output_rows__neon},
      depthwise_plane_f32_neon,
      &neon_qgemm_kernels(),  // arm/qgemm_neon.cc
  };
  return isa == Isa::kNeon ? &kNeon : nullptr;
}

}  // namespace edgewm
