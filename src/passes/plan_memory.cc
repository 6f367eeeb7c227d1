#include "passes/plan_memory.h"

#include <algorithm>
#include <functional>

#include "kernels/register_ops.h"

namespace edgewm {

namespace {

int64_t align_up(int64_t x) {
  return (x + MemoryPlan::kAlignment - 1) / MemoryPlan::kAlignment * MemoryPlan::kAlignment;
}

struct Buffer {
  int64_t bytes = 0;
  int first = 0, last = 0;  // step range [first, last], steps are node indices
  int64_t offset = -1;
  bool used = false;
};

// Buffers indexed by storage root (values), then one per node for scratch.
std::vector<Buffer> collect_buffers(const Graph& g, const Placements& p) {
  const int steps = static_cast<int>(g.nodes.size());
  std::vector<Buffer> bufs(g.values.size() + g.nodes.size());
  auto touch = [&](ValueId v, int step) {
    if (v == kNoValue || g.value(v).is_constant()) return;
    const Placement& at = p.of[static_cast<size_t>(v)];
    Buffer& b = bufs[static_cast<size_t>(at.root)];
    if (!b.used) {
      b.used = true;
      b.first = b.last = step;
    }
    b.first = std::min(b.first, step);
    b.last = std::max(b.last, step);
    b.bytes = std::max(b.bytes, align_up(at.offset + static_cast<int64_t>(g.value(v).nbytes())));
  };
  for (ValueId v : g.inputs) touch(v, -1);  // written before the first node runs
  for (int k = 0; k < steps; ++k) {
    for (ValueId v : g.nodes[static_cast<size_t>(k)].inputs) touch(v, k);
    for (ValueId v : g.nodes[static_cast<size_t>(k)].outputs) touch(v, k);
  }
  for (ValueId v : g.outputs) touch(v, steps);  // read after the last node
  for (int k = 0; k < steps; ++k) {
    int64_t s = node_scratch_bytes(g.nodes[static_cast<size_t>(k)], g, builtin_ops());
    if (s <= 0) continue;
    Buffer& b = bufs[g.values.size() + static_cast<size_t>(k)];
    b.used = true;
    b.first = b.last = k;
    b.bytes = align_up(s);
  }
  return bufs;
}

}  // namespace

Placements own_buffers(const Graph& g) {
  Placements p;
  const std::vector<ValueId> root = storage_roots(g, builtin_ops());
  p.of.resize(g.values.size());
  for (size_t v = 0; v < root.size(); ++v) p.of[v] = {root[v], 0};
  return p;
}

Placements with_concats_in_place(const Graph& g) {
  const std::vector<ValueId> root = storage_roots(g, builtin_ops());
  std::vector<ValueId> parent(root.begin(), root.end());
  std::vector<int64_t> offset(g.values.size(), 0);
  std::vector<int> producer(g.values.size(), -1), reads(g.values.size(), 0);
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    for (ValueId v : g.nodes[k].outputs)
      if (v != kNoValue) producer[static_cast<size_t>(v)] = static_cast<int>(k);
    for (ValueId v : g.nodes[k].inputs)
      if (v != kNoValue) ++reads[static_cast<size_t>(v)];
  }
  auto own = [&](ValueId v) {  // its own buffer, not yet placed anywhere, written by a node
    const size_t i = static_cast<size_t>(v);
    return v != kNoValue && root[i] == v && parent[i] == v && !g.value(v).is_constant() && producer[i] >= 0 &&
           !g.is_graph_input(v) && !g.is_graph_output(v) && g.value(v).shape_known;
  };
  int placed = 0;
  for (const Node& n : g.nodes) {
    if (n.op_type != "Concat" || !n.domain.empty() || n.outputs.size() != 1 || !own(n.outputs[0])) continue;
    const Value& y = g.value(n.outputs[0]);
    int64_t axis = n.attrs.get_int("axis", 0);
    if (axis < 0) axis += y.shape.rank();
    if (axis < 0 || axis >= y.shape.rank()) continue;
    bool ok = true;
    for (int d = 0; d < axis; ++d) ok = ok && y.shape[d] == 1;  // inputs are contiguous slices
    std::vector<int64_t> at;
    int64_t bytes = 0;
    for (size_t i = 0; ok && i < n.inputs.size(); ++i) {
      const ValueId x = n.inputs[i];
      // Once in this Concat and read by nothing else that could write it: every reader only reads.
      ok = own(x) && std::count(n.inputs.begin(), n.inputs.end(), x) == 1 && bytes % MemoryPlan::kAlignment == 0;
      at.push_back(bytes);
      if (ok) bytes += static_cast<int64_t>(g.value(x).nbytes());
    }
    if (!ok || bytes != static_cast<int64_t>(y.nbytes())) continue;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      parent[static_cast<size_t>(n.inputs[i])] = n.outputs[0];
      offset[static_cast<size_t>(n.inputs[i])] = at[i];
    }
    ++placed;
  }
  Placements p;
  p.concats_in_place = placed;
  p.of.resize(g.values.size());
  // A Concat's output may itself sit in a later Concat: follow parents to the buffer owner.
  std::function<Placement(ValueId)> resolve = [&](ValueId v) -> Placement {
    const ValueId up = parent[static_cast<size_t>(v)];
    if (up == v) return {v, 0};
    Placement r = resolve(up);
    r.offset += offset[static_cast<size_t>(v)];
    return r;
  };
  for (size_t v = 0; v < g.values.size(); ++v) p.of[v] = resolve(static_cast<ValueId>(v));
  return p;
}

int64_t peak_live_bytes(const Graph& g, const Placements& placements) {
  auto bufs = collect_buffers(g, placements);
  int64_t peak = 0;
  for (int step = -1; step <= static_cast<int>(g.nodes.size()); ++step) {
    int64_t live = 0;
    for (const Buffer& b : bufs)
      if (b.used && b.first <= step && step <= b.last) live += b.bytes;
    peak = std::max(peak, live);
  }
  return peak;
}

MemoryPlan plan_memory(const Graph& g) { return plan_memory(g, own_buffers(g)); }

MemoryPlan plan_memory(const Graph& g, const Placements& placements) {
  std::vector<Buffer> bufs = collect_buffers(g, placements);

  std::vector<size_t> order;
  for (size_t i = 0; i < bufs.size(); ++i)
    if (bufs[i].used) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return bufs[a].bytes > bufs[b].bytes; });

  std::vector<size_t> placed;
  int64_t arena = 0;
  for (size_t i : order) {
    Buffer& b = bufs[i];
    // Placed buffers alive at the same time, by offset: take the first gap that fits.
    std::vector<const Buffer*> conflicts;
    for (size_t j : placed) {
      const Buffer& o = bufs[j];
      if (o.first <= b.last && b.first <= o.last) conflicts.push_back(&o);
    }
    std::sort(conflicts.begin(), conflicts.end(), [](const Buffer* x, const Buffer* y) { return x->offset < y->offset; });
    int64_t offset = 0;
    for (const Buffer* o : conflicts) {
      if (o->offset - offset >= b.bytes) break;
      offset = std::max(offset, o->offset + o->bytes);
    }
    b.offset = offset;
    arena = std::max(arena, offset + b.bytes);
    placed.push_back(i);
  }

  MemoryPlan plan;
  plan.arena_bytes = arena;
  plan.value_offsets.assign(g.values.size(), -1);
  for (size_t v = 0; v < g.values.size(); ++v) {
    if (g.values[v].is_constant()) continue;
    const Placement& at = placements.of[v];
    const Buffer& b = bufs[static_cast<size_t>(at.root)];
    if (b.used) plan.value_offsets[v] = b.offset + at.offset;
  }
  plan.scratch_offsets.assign(g.nodes.size(), -1);
  plan.scratch_bytes.assign(g.nodes.size(), 0);
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Buffer& b = bufs[g.values.size() + k];
    if (!b.used) continue;
    plan.scratch_offsets[k] = b.offset;
    plan.scratch_bytes[k] = b.bytes;
  }
  return plan;
}

}  // namespace edgewm
