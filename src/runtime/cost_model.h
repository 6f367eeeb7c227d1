#pragma once
// Work estimates per node, for `inspect`, benchmarks (GFLOP/s) and the roofline.
#include <cstdint>

#include "ir/graph.h"

namespace edgewm {

// Multiply-accumulates for Conv, ConvTranspose, Gemm, MatMul and Einsum; 0 for ops whose cost
// is memory traffic rather than arithmetic.
int64_t node_macs(const Node& n, const Graph& g);

}  // namespace edgewm
