#pragma once
// Small helpers for graph rewrites (fusion passes): who reads a value, constants' values, and
// replacing a chain of nodes by one.
#include <functional>
#include <set>
#include <vector>

#include "ir/graph.h"

namespace edgewm::rewrite {

// Per value, the indices of the nodes that read it.
std::vector<std::vector<size_t>> readers(const Graph& g);

// The value is read by exactly one node and is not a graph output.
bool only_reader(const Graph& g, const std::vector<std::vector<size_t>>& r, ValueId v, size_t node);

// Index of the node producing v, or SIZE_MAX (graph input, constant).
std::vector<size_t> producers(const Graph& g);

// Every element of the f32 constant v equals `x`.
bool constant_all(const Graph& g, ValueId v, float x);

// A per-channel f32 constant for channel dim `axis` of a rank-`rank` tensor with C channels:
// shape [C, 1, ...] or [1, C, 1, ...] aligned to the trailing dims. Fills `out` with its C values.
bool per_channel_constant(const Graph& g, ValueId v, int rank, int64_t channels, std::vector<float>& out);

// Rebuilds g.nodes: nodes in `drop` go, `replacement[k]` is emitted at position k; then
// unreferenced values are removed.
void splice(Graph& g, const std::set<size_t>& drop, std::vector<std::pair<size_t, Node>> replacement);

// Collects a pass's rewrites (node chains -> one node) and applies them together.
class Splicer {
 public:
  // Whether node k is already part of a rewrite.
  bool taken(size_t k) const { return drop_.count(k) > 0; }
  // The nodes `chain` go; `n` takes the place of `at` (the chain's last node, so it runs after
  // everything the chain read and before everything that read the chain).
  void replace(std::initializer_list<size_t> chain, size_t at, Node n) {
    drop_.insert(chain);
    fused_.emplace_back(at, std::move(n));
  }
  void replace(const std::vector<size_t>& chain, size_t at, Node n) {
    drop_.insert(chain.begin(), chain.end());
    fused_.emplace_back(at, std::move(n));
  }
  // Applies them; returns how many.
  int apply(Graph& g) {
    const int count = static_cast<int>(fused_.size());
    if (count) splice(g, drop_, std::move(fused_));
    return count;
  }

 private:
  std::set<size_t> drop_;
  std::vector<std::pair<size_t, Node>> fused_;
};

}  // namespace edgewm::rewrite
