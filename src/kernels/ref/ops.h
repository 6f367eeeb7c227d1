#pragma once
// Registration of the reference op families written in unary.cc, binary.cc, movement.cc, reduce.cc.
namespace edgewm {
class OpRegistry;
void register_unary_ops(OpRegistry& r);     // math and activations
void register_binary_ops(OpRegistry& r);    // broadcast arithmetic/comparison/logic, variadic, Where, Expand, Clip, Cast
void register_movement_ops(OpRegistry& r);  // Shape, Reshape, Transpose, Concat, Split, Slice, Gather, Pad...
void register_reduce_ops(OpRegistry& r);    // Reduce*, ArgMax/ArgMin, Softmax/LogSoftmax, CumSum
}  // namespace edgewm
