#pragma once
#include <vector>

#include "ir/memory_plan.h"

namespace edgewm {

// Where a value's bytes live: `offset` bytes into the buffer of value `root`. A value is its own
// root unless it is the output of an aliasing op (Reshape, Squeeze...: its input's root) or an
// input that a Concat's producers write in place (the Concat's output).
struct Placement {
  ValueId root = kNoValue;
  int64_t offset = 0;
};

struct Placements {
  std::vector<Placement> of;  // per value
  int concats_in_place = 0;   // Concat nodes left with nothing to copy
};

// Aliasing ops only.
Placements own_buffers(const Graph& g);
// Also every Concat whose inputs are contiguous slices of its output (nothing but 1s before the
// axis) and are produced by nodes, read-only afterwards, used once by it and 64-byte aligned in
// it: their producers write straight into the output, whose buffer then lives from the first
// of them. Removes the copy at the price of holding the whole output earlier.
Placements with_concats_in_place(const Graph& g);

// Places every non-constant value (graph inputs and outputs included) and every node's scratch
// in one arena. Buffers whose lifetimes overlap never overlap in memory; the rest reuse space.
// Greedy by size: largest buffer first, each at the lowest offset free for its whole lifetime
// (the classic heuristic from TFLite's arena planner), which keeps the arena close to the peak
// of simultaneously live bytes.
MemoryPlan plan_memory(const Graph& g, const Placements& placements);
MemoryPlan plan_memory(const Graph& g);  // own_buffers

// The lower bound any plan must reach: the most bytes live at one step (each aligned).
int64_t peak_live_bytes(const Graph& g, const Placements& placements);

}  // namespace edgewm
