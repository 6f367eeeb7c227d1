#pragma once
// The im2col + GEMM convolution driver (kernels/conv/conv_im2col.cc).
#include <cstddef>

#include "ir/op_registry.h"

namespace edgewm {

struct IsaTable;

// f32 Conv / edgewm.FusedConv on an ISA's GEMM micro-kernel and rows (kernels/isa_kernels.cc
// registers it per ISA).
void conv_f32_with(const KernelContext& ctx, const IsaTable& isa);
// Scratch for the GEMM panels (the most the conv drivers ask for).
size_t conv_scratch(const Node& n, const Graph& g);
// "portable": the same driver on the plain C++ tile and libm's exp, f32 and f64, any CPU.
void register_portable_conv(OpRegistry& r);

}  // namespace edgewm
