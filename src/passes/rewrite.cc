#include "passes/rewrite.h"

#include <algorithm>
#include <cstdint>

namespace edgewm::rewrite {

std::vector<std::vector<size_t>> readers(const Graph& g) {
  std::vector<std::vector<size_t>> r(g.values.size());
  for (size_t k = 0; k < g.nodes.size(); ++k)
    for (ValueId v : g.nodes[k].inputs)
      if (v != kNoValue && (r[static_cast<size_t>(v)].empty() || r[static_cast<size_t>(v)].back() != k))
        r[static_cast<size_t>(v)].push_back(k);
  return r;
}

bool only_reader(const Graph& g, const std::vector<std::vector<size_t>>& r, ValueId v, size_t node) {
  const auto& rv = r[static_cast<size_t>(v)];
  return rv.size() == 1 && rv[0] == node && !g.is_graph_output(v);
}

std::vector<size_t> producers(const Graph& g) {
  std::vector<size_t> p(g.values.size(), SIZE_MAX);
  for (size_t k = 0; k < g.nodes.size(); ++k)
    for (ValueId v : g.nodes[k].outputs)
      if (v != kNoValue) p[static_cast<size_t>(v)] = k;
  return p;
}

bool constant_all(const Graph& g, ValueId v, float x) {
  if (v == kNoValue) return false;
  const Value& val = g.value(v);
  if (!val.is_constant() || val.dtype != DType::kF32) return false;
  const float* p = static_cast<const float*>(val.constant.data);
  return std::all_of(p, p + val.constant.numel(), [x](float e) { return e == x; });
}

bool per_channel_constant(const Graph& g, ValueId v, int rank, int64_t channels, std::vector<float>& out) {
  const Value& val = g.value(v);
  if (!val.is_constant() || val.dtype != DType::kF32 || val.constant.numel() != channels) return false;
  const Shape& s = val.shape;
  if (s.rank() > rank) return false;
  // Aligned to the trailing dims, the channel dim (1) of the rank-`rank` tensor holds C.
  for (int d = 0; d < s.rank(); ++d) {
    const int full = rank - s.rank() + d;
    if (full == 1 ? s[d] != channels : s[d] != 1) return false;
  }
  if (rank - s.rank() > 1) return false;  // no channel dim at all
  const float* p = static_cast<const float*>(val.constant.data);
  out.assign(p, p + channels);
  return true;
}

void splice(Graph& g, const std::set<size_t>& drop, std::vector<std::pair<size_t, Node>> replacement) {
  // Stable: several nodes replacing a chain at one place keep the order they were given in.
  std::stable_sort(replacement.begin(), replacement.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Node> nodes;
  size_t next = 0;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    if (!drop.count(k)) nodes.push_back(std::move(g.nodes[k]));
    while (next < replacement.size() && replacement[next].first == k) nodes.push_back(std::move(replacement[next++].second));
  }
  g.nodes = std::move(nodes);
  g.remove_dead();
}

}  // namespace edgewm::rewrite
