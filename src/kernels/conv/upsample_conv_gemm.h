#pragma once
// edgewm.UpsampleConv as one GEMM per output phase (kernels/conv/upsample_conv_gemm.cc).
#include <cstddef>

#include "ir/op_registry.h"

namespace edgewm {

struct GemmMicroF32;

// Inputs up to 2048 columns wide (one packed panel's padded rows fit the packer's buffer);
// wider ones take the reference's direct loops.
bool upsample_conv_gemm_supports(const Node& n, const Graph& g);
size_t upsample_conv_gemm_scratch(const Node& n, const Graph& g);
// On an ISA's micro-kernel (null: the plain C++ tile).
void upsample_conv_f32_with(const KernelContext& ctx, const GemmMicroF32* micro);
void register_portable_upsample_conv(OpRegistry& r);  // "portable"

}  // namespace edgewm
