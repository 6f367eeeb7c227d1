#pragma once
// Explicit registration (not static initialisers, which a static library link would drop).
namespace edgewm {
class OpRegistry;

void register_all_ops(OpRegistry& r);

// Reference kernels, one family per file under kernels/ref/.
void register_elementwise_ops(OpRegistry& r);  // unary, binary (broadcast), variadic, Where, Clip, Cast, activations
void register_reduction_ops(OpRegistry& r);    // Reduce*, ArgMax/ArgMin, Softmax, LogSoftmax, Hardmax, CumSum
void register_shape_ops(OpRegistry& r);        // Shape, Reshape, Transpose, Concat, Split, Slice, Gather, Pad...
void register_nn_ops(OpRegistry& r);           // Conv, ConvTranspose, pools, norms, Gemm, MatMul, Einsum, Resize
}  // namespace edgewm
