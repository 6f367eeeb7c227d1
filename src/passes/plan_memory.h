#pragma once
#include "ir/memory_plan.h"

namespace edgewm {

// Places every non-constant value (graph inputs and outputs included) and every node's scratch
// in one arena. Buffers whose lifetimes overlap never overlap in memory; the rest reuse space.
// Greedy by size: largest buffer first, each at the lowest offset free for its whole lifetime
// (the classic heuristic from TFLite's arena planner), which keeps the arena close to the peak
// of simultaneously live bytes.
MemoryPlan plan_memory(const Graph& g);

// The lower bound any plan must reach: the most bytes live at one step (each aligned).
int64_t peak_live_bytes(const Graph& g);

}  // namespace edgewm
