#pragma once
// 2-D MaxPool (f32, u8, s8) and AveragePool (f32) over a padded copy of each plane: the inner loops run along an
// output row with no bounds tests (the compiler vectorises them), and an average's divisor is
// the product of a per-row and a per-column count (the window is a rectangle). What the
// reference kernel computes, except that a NaN anywhere in a max window gives NaN (as NumPy and
// the ONNX reference); Indices (MaxPool's second output) and LpPool stay on the reference.
#include "ir/op_registry.h"

namespace edgewm {

bool pool2d_supports(const Node& n, const Graph& g);  // 2-D, no Indices; not EDGEWM_ISA=scalar
size_t pool2d_scratch(const Node& n, const Graph& g);
void max_pool2d(const KernelContext& ctx);
// Registers both as "pool2d" beside the reference MaxPool / AveragePool.
void register_pool2d(OpRegistry& r);
void average_pool2d_f32(const KernelContext& ctx);

}  // namespace edgewm
