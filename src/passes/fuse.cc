#include "passes/fuse.h"

#include "passes/pass_registry.h"

namespace edgewm {

FusionReport fuse_graph(Graph& g) { return run_graph_passes(g, PassSelection{}); }

}  // namespace edgewm
