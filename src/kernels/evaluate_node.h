#pragma once
// Runs one node whose input values are all available, into freshly allocated outputs.
// Constant folding and single-op tests use it; sessions use the planned executor instead.
#include <vector>

#include "edgewm/tensor.h"
#include "ir/graph.h"
#include "ir/shape_inference.h"

namespace edgewm {
struct KernelDef;
}

namespace edgewm {

class ThreadPool;

// Inputs are taken from the graph's constant values. Shapes must already be inferred.
// kFastest runs the kernel a session would pick on this CPU; kReference the op's reference
// kernel, whose result does not depend on the CPU (constant folding uses it).
enum class KernelChoice { kFastest, kReference };
std::vector<Tensor> evaluate_node(const Graph& g, const Node& n, ThreadPool& pool,
                                  KernelChoice choice = KernelChoice::kFastest);
// The same with one given kernel of the node's op (kernel tests run every registered kernel so),
// through its `prepare` as a session would.
std::vector<Tensor> evaluate_node_with(const Graph& g, const Node& n, ThreadPool& pool, const KernelDef& kernel);

// Constant folding's evaluator: reference kernels on one thread.
NodeEvaluator reference_evaluator();

}  // namespace edgewm
