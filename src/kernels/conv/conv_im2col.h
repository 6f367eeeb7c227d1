#pragma once
// The im2col + GEMM convolution driver (kernels/conv/conv_im2col.cc).
#include <cstddef>

#include "ir/op_registry.h"

namespace edgewm {

struct GemmMicroF32;

// f32 Conv / edgewm.FusedConv on an ISA's GEMM micro-kernel (the per-ISA tables register it).
void conv_f32_with(const KernelContext& ctx, const GemmMicroF32* micro);
// Scratch for the GEMM panels (the most the conv drivers ask for).
size_t conv_scratch(const Node& n, const Graph& g);
// "portable": the same driver on the plain C++ micro-kernel, f32 and f64, any CPU.
void register_portable_conv(OpRegistry& r);

}  // namespace edgewm
