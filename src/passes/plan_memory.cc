#include "passes/plan_memory.h"

#include <algorithm>

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
std::vector<Buffer> collect_buffers(const Graph& g, const std::vector<ValueId>& root) {
  const int steps = static_cast<int>(g.nodes.size());
  std::vector<Buffer> bufs(g.values.size() + g.nodes.size());
  auto touch = [&](ValueId v, int step) {
    if (v == kNoValue || g.value(v).is_constant()) return;
    Buffer& b = bufs[static_cast<size_t>(root[static_cast<size_t>(v)])];
    if (!b.used) {
      b.used = true;
      b.first = b.last = step;
    }
    b.first = std::min(b.first, step);
    b.last = std::max(b.last, step);
    b.bytes = std::max(b.bytes, align_up(static_cast<int64_t>(g.value(v).nbytes())));
  };
  for (ValueId v : g.inputs) touch(v, -1);  // written before the first node runs
  for (int k = 0; k < steps; ++k) {
    for (ValueId v : g.nodes[static_cast<size_t>(k)].inputs) touch(v, k);
    for (ValueId v : g.nodes[static_cast<size_t>(k)].outputs) touch(v, k);
  }
  for (ValueId v : g.outputs) touch(v, steps);  // read after the last node
  for (int k = 0; k < steps; ++k) {
    int64_t s = node_scratch_bytes(g.nodes[static_cast<size_t>(k)], g);
    if (s <= 0) continue;
    Buffer& b = bufs[g.values.size() + static_cast<size_t>(k)];
    b.used = true;
    b.first = b.last = k;
    b.bytes = align_up(s);
  }
  return bufs;
}

}  // namespace

int64_t peak_live_bytes(const Graph& g) {
  auto bufs = collect_buffers(g, storage_roots(g));
  int64_t peak = 0;
  for (int step = -1; step <= static_cast<int>(g.nodes.size()); ++step) {
    int64_t live = 0;
    for (const Buffer& b : bufs)
      if (b.used && b.first <= step && step <= b.last) live += b.bytes;
    peak = std::max(peak, live);
  }
  return peak;
}

MemoryPlan plan_memory(const Graph& g) {
  std::vector<ValueId> root = storage_roots(g);
  std::vector<Buffer> bufs = collect_buffers(g, root);

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
    const Buffer& b = bufs[static_cast<size_t>(root[v])];
    if (b.used) plan.value_offsets[v] = b.offset;
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
