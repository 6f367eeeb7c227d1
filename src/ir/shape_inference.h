#pragma once
#include <functional>
#include <vector>

#include "edgewm/tensor.h"
#include "ir/graph.h"

namespace edgewm {

class OpRegistry;

// Computes the outputs of a node whose inputs are all constant (constant folding). The IR knows
// no kernels: the compiler passes one that runs reference kernels (kernels/evaluate_node.h).
using NodeEvaluator = std::function<std::vector<Tensor>(const Graph&, const Node&)>;

struct InferStats {
  int folded_nodes = 0;   // nodes evaluated at compile time (all inputs constant)
  int canonicalized = 0;  // nodes rewritten from an older opset's attribute form
};

// Rewrites attribute forms of older opsets into the input form kernels implement
// (Split/Squeeze/Unsqueeze/Reduce* axes, Slice<10, Clip<11, Pad<11). Needs input dtypes, so it
// runs inside inference. Returns whether it changed the node.
bool canonicalize_node(Graph& g, Node& n);

// Infers every value's dtype and shape in topological order, folding nodes whose inputs are
// all constant (this is what folds shape-computation subgraphs once input shapes are fixed),
// then drops nodes nothing needs any more. Errors carry the node's location.
// `ops` gives each op's inference; an empty `evaluate` folds nothing but Shape/Size.
InferStats infer_and_fold(Graph& g, const OpRegistry& ops, const NodeEvaluator& evaluate);

// Re-runs inference on a loaded graph and throws kInvalidModel when a stored dtype or shape
// disagrees, so kernels can trust shapes even in a tampered file. Leaves the graph unchanged.
void verify_shapes(Graph& g, const OpRegistry& ops);

}  // namespace edgewm
