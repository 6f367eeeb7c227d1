#pragma once
// ConvTranspose as GEMM + col2im (kernels/conv/conv_transpose_col2im.cc).
#include <cstddef>

#include "ir/op_registry.h"

namespace edgewm {

struct GemmMicroF32;

size_t conv_transpose_scratch(const Node& n, const Graph& g);
// f32 on an ISA's micro-kernel (null: the plain C++ tile).
void conv_transpose_f32_with(const KernelContext& ctx, const GemmMicroF32* micro);
void register_portable_conv_transpose(OpRegistry& r);  // "portable", f32 and f64

}  // namespace edgewm
