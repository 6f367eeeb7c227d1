#pragma once
// Runs one node whose input values are all available, into freshly allocated outputs.
// Constant folding and single-op tests use it; sessions use the planned executor instead.
#include <vector>

#include "edgewm/tensor.h"
#include "ir/graph.h"
#include "ir/shape_inference.h"

namespace edgewm {

class ThreadPool;

// Inputs are taken from the graph's constant values. Shapes must already be inferred.
// kFastest runs the kernel a session would pick on this CPU; kReference the op's reference
// kernel, whose result does not depend on the CPU (constant folding uses it).
enum class KernelChoice { kFastest, kReference };
std::vector<Tensor> evaluate_node(const Graph& g, const Node& n, ThreadPool& pool,
                                  KernelChoice choice = KernelChoice::kFastest);

// Constant folding's evaluator: reference kernels on one thread.
NodeEvaluator reference_evaluator();

}  // namespace edgewm
