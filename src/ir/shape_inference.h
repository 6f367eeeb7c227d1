#pragma once
#include "ir/graph.h"

namespace edgewm {

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
InferStats infer_and_fold(Graph& g, bool fold = true);

// Re-runs inference on a loaded graph and throws kInvalidModel when a stored dtype or shape
// disagrees, so kernels can trust shapes even in a tampered file. Leaves the graph unchanged.
void verify_shapes(Graph& g);

}  // namespace edgewm
