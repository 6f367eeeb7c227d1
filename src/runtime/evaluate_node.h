#pragma once
// Runs one node whose input values are all available, into freshly allocated outputs.
// Constant folding and single-op tests use it; sessions use the planned executor instead.
#include <vector>

#include "edgewm/tensor.h"
#include "ir/graph.h"

namespace edgewm {

class ThreadPool;

// Inputs are taken from the graph's constant values. Shapes must already be inferred.
std::vector<Tensor> evaluate_node(const Graph& g, const Node& n, ThreadPool& pool);

}  // namespace edgewm
