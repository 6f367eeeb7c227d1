#pragma once
// The static memory plan stored in a model: one arena, an offset per non-constant value.
#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace edgewm {

class OpRegistry;

struct MemoryPlan {
  static constexpr int64_t kAlignment = 64;
  int64_t arena_bytes = 0;
  std::vector<int64_t> value_offsets;    // per value; -1 for constants
  std::vector<int64_t> scratch_offsets;  // per node; -1 when the node needs none
  std::vector<int64_t> scratch_bytes;    // per node
};

// Bytes of scratch the node may need with any kernel registered for its op, so a plan made on
// one machine fits whichever kernel another machine selects.
int64_t node_scratch_bytes(const Node& n, const Graph& g, const OpRegistry& ops);

// For each value, the value whose storage it shares: itself, or for outputs of aliasing ops
// (Reshape, Squeeze...) the root of their input 0. Constants are their own roots.
std::vector<ValueId> storage_roots(const Graph& g, const OpRegistry& ops);

}  // namespace edgewm
