#include "ir/memory_plan.h"

#include <algorithm>

#include "ir/op_registry.h"

namespace edgewm {

int64_t node_scratch_bytes(const Node& n, const Graph& g, const OpRegistry& ops) {
  const OpSchema* s = ops.find(n.op_type, n.domain);
  if (!s) return 0;
  size_t bytes = 0;
  for (const KernelDef& k : s->kernels)
    if (k.scratch) bytes = std::max(bytes, k.scratch(n, g));
  return static_cast<int64_t>(bytes);
}

std::vector<ValueId> storage_roots(const Graph& g, const OpRegistry& ops) {
  std::vector<ValueId> root(g.values.size());
  for (size_t i = 0; i < root.size(); ++i) root[i] = static_cast<ValueId>(i);
  for (const Node& n : g.nodes) {
    const OpSchema* s = ops.find(n.op_type, n.domain);
    if (!s || !s->output_aliases_input || n.inputs.empty() || n.outputs.empty()) continue;
    ValueId in = n.inputs[0], out = n.outputs[0];
    if (in == kNoValue || out == kNoValue) continue;
    const Value& vin = g.value(in);
    const Value& vout = g.value(out);
    // Only same-size, runtime-produced data can share; a constant input stays in the file.
    if (vin.is_constant() || vout.is_constant() || vin.nbytes() != vout.nbytes()) continue;
    root[static_cast<size_t>(out)] = root[static_cast<size_t>(in)];
  }
  return root;
}

}  // namespace edgewm
