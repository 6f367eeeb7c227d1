#pragma once
// QuantizeLinear (f32 -> u8/i8) and DequantizeLinear (u8/i8/i32 -> f32), per tensor or per axis:
// what the reference kernels (kernels/ref/quant.cc) compute, bit for bit, on one ISA's row loops
// (QGemmKernels::rows: kernels/quant/quantize_rows_portable.h compiled per ISA), in parallel.
// Registered as "portable" (register_quantize_linear) and per ISA table (kernels/isa_kernels.cc).
#include "ir/op_registry.h"
#include "kernels/gemm/qgemm_micro.h"

namespace edgewm {

bool quantize_supports(const Node& n, const Graph& g);
bool dequantize_supports(const Node& n, const Graph& g);
void quantize_with(const KernelContext& c, const QGemmKernels& k);
void dequantize_with(const KernelContext& c, const QGemmKernels& k);

void register_quantize_linear(OpRegistry& r);

// edgewm.QLinearAdd / QLinearMul on the same rows (qlinear_binary.cc): operands of the output's
// shape or single-valued; "portable" by register_qlinear_binary, per ISA in isa_kernels.cc.
bool qlinear_binary_supports(const Node& n, const Graph& g);
void qlinear_binary_with(const KernelContext& c, const QGemmKernels& k);
void register_qlinear_binary(OpRegistry& r);

}  // namespace edgewm
