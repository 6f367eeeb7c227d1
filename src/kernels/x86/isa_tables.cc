// The x86-64 ISA tables: every vector building block of AVX2+FMA and of AVX-512 (F, VL, BW,
// DQ), each defined in its own file compiled with that ISA's flags only. The integer
// micro-kernels within a level follow the CPU's extensions: AVX-VNNI in the AVX2 table, VNNI or
// plain BW in the AVX-512 one.
#include "kernels/isa_table.h"

namespace edgewm {

namespace {

QGemmKernels with_micros(const QGemmKernels& base, const QGemmMicro (&m)[3], bool exact) {
  QGemmKernels k = base;
  k.u8s8 = m[0];
  k.s8u8 = m[1];
  k.s16 = m[2];
  k.c4_exact = exact;  // vpdpbusd sums exactly
  return k;
}

const QGemmKernels& avx2_qgemm() {
  static const QGemmKernels k = cpu_has_avxvnni() ? with_micros(kQGemmAvx2, kQGemmMicroAvxVnni, true) : kQGemmAvx2;
  return k;
}

const QGemmKernels& avx512_qgemm() {
  static const QGemmKernels k = cpu_has_avx512vnni() ? with_micros(kQGemmAvx2, kQGemmMicroAvx512Vnni, true)
                                                     : with_micros(kQGemmAvx2, kQGemmMicroAvx512Bw, false);
  return k;
}

// Built on first use (function-local statics: the integer kernels depend on what this CPU
// reports, and no file can read a table before it is initialised).
const IsaTable& avx2_table() {
  static const IsaTable t{
    Isa::kAvx2,
    "avx2",
    10,
    {"gemm_f32_6x16__avx2", "avx2", 6, 16, gemm_f32_6x16__avx2, gemv_f32__avx2},
    {normalize_row_f32_avx2, affine_act_f32_avx2, sigmoid_f32_avx2, silu_f32_avx2, softmax_row_f32_avx2},
    {winograd_f23_input_rows__avx2, winograd_f23_output_rows__avx2},
    depthwise_plane_f32_avx2,
    &avx2_qgemm(),
  };
  return t;
}

const IsaTable& avx512_table() {
  static const IsaTable t{
    Isa::kAvx512,
    "avx512",
    20,
    {"gemm_f32_7x64__avx512", "avx512", 7, 64, gemm_f32_7x64__avx512, gemv_f32__avx512},
    {normalize_row_f32_avx512, affine_act_f32_avx512, sigmoid_f32_avx512, silu_f32_avx512, softmax_row_f32_avx512},
    {winograd_f23_input_rows__avx512, winograd_f23_output_rows__avx512},
    depthwise_plane_f32_avx512,
    &avx512_qgemm(),
  };
  return t;
}

}  // namespace

const IsaTable* isa_table(Isa isa) {
  switch (isa) {
    case Isa::kAvx2: return &avx2_table();
    case Isa::kAvx512: return &avx512_table();
    default: return nullptr;
  }
}

}  // namespace edgewm
