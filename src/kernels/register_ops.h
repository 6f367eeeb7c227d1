#pragma once
// Explicit registration (not static initialisers, which a static library link would drop).
namespace edgewm {
class OpRegistry;

void register_all_ops(OpRegistry& r);

// Every built-in op with its reference and fast kernels, registered on first use.
const OpRegistry& builtin_ops();

// Reference kernels, one family per file under kernels/ref/.
void register_unary_ops(OpRegistry& r);     // unary.cc: math and activations
void register_binary_ops(OpRegistry& r);    // binary.cc: broadcast arithmetic/comparison/logic, variadic, Where, Expand, Clip, Cast
void register_movement_ops(OpRegistry& r);  // movement*.cc: Shape, views, Transpose, Concat, Split, Slice, Gather*, Scatter*, Pad, Tile, Trilu, OneHot...
void register_reduce_ops(OpRegistry& r);    // reduce*.cc: Reduce*, ArgMax/ArgMin, TopK, Softmax/LogSoftmax/Hardmax, LpNormalization, CumSum
void register_nn_ops(OpRegistry& r);        // nn*.cc: Conv, ConvTranspose, pools, norms, Gemm, MatMul, Einsum, Resize
void register_quant_ops(OpRegistry& r);     // quant*.cc: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, integer Conv/MatMul

// The fast kernels of every ISA table of this build (kernels/isa_kernels.cc), chosen per node.
void register_isa_kernels(OpRegistry& r);
}  // namespace edgewm
