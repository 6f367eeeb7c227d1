#pragma once
// The GEMM-shaped ops on the blocked GEMM (gemm_blocked.h): Gemm and MatMul
// (matmul_blocked.cc), GEMM-shaped Einsum equations (einsum_blocked.cc). Each registers a
// "portable" kernel (the plain C++ tile, any CPU, every dtype the op takes) and offers an f32
// entry point on an ISA's micro-kernel, which the ISA tables register (kernels/isa_kernels.cc).
#include <cstddef>

#include "ir/op_registry.h"

namespace edgewm {

struct GemmMicroF32;

void gemm_f32_with(const KernelContext& ctx, const GemmMicroF32* micro);
void matmul_f32_with(const KernelContext& ctx, const GemmMicroF32* micro);
void einsum_f32_with(const KernelContext& ctx, const GemmMicroF32* micro);
size_t gemm_scratch(const Node& n, const Graph& g);
size_t matmul_scratch(const Node& n, const Graph& g);
size_t einsum_scratch(const Node& n, const Graph& g);
// Einsum equations the GEMM takes (two operands, one label per row / column / depth group).
bool einsum_is_gemm(const Node& n, const Graph& g);

void register_blocked_matmul(OpRegistry& r);  // "portable" Gemm, MatMul
void register_blocked_einsum(OpRegistry& r);  // "portable" Einsum (GEMM-shaped equations)

}  // namespace edgewm
