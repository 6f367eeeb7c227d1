#include "edgewm/session.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "edgewm/thread_pool.h"
#include "ir/op_registry.h"
#include "runtime/input_memo.h"
#include "runtime/model_data.h"

namespace edgewm {

struct Session::Impl {
  const Graph* graph = nullptr;
  std::shared_ptr<ThreadPool> pool;
  std::unique_ptr<uint8_t, decltype(&std::free)> arena{nullptr, &std::free};
  std::vector<TensorView> views;          // one per value
  std::vector<TensorView> node_io;        // per node: its inputs then its outputs
  std::vector<KernelContext> contexts;    // per node
  std::vector<const KernelDef*> kernels;  // per node
  std::vector<std::shared_ptr<const void>> prepared;  // per node, from KernelDef::prepare
  std::vector<TensorView> outputs;        // graph outputs
  NodeObserver observer;
  bool check_inputs = true;
  InputMemo memo;
};

namespace {

// An IEEE value is Inf or NaN when its exponent bits are all ones. Testing the bits without an
// early exit lets the compiler vectorise the scan: it runs on every input of every call.
template <class U> bool exponents_finite(const void* data, int64_t n, U exponent) {
  const U* p = static_cast<const U*>(data);
  U bad = 0;  // counts modulo 2^bits within a block, so a block never wraps to 0
  for (int64_t i0 = 0; i0 < n; i0 += 4096) {
    for (int64_t i = i0, e = std::min(n, i0 + 4096); i < e; ++i) bad += (p[i] & exponent) == exponent;
    if (bad) return false;
  }
  return true;
}

bool all_finite(const TensorView& t) {
  const int64_t n = t.numel();
  switch (t.dtype) {
    case DType::kF32: return exponents_finite<uint32_t>(t.data, n, 0x7f800000u);
    case DType::kF64: return exponents_finite<uint64_t>(t.data, n, 0x7ff0000000000000ull);
    case DType::kF16: return exponents_finite<uint16_t>(t.data, n, 0x7c00);
    default: return true;
  }
}

}  // namespace

Session::Session(std::shared_ptr<const Model> model, const SessionOptions& options)
    : model_(std::move(model)), impl_(std::make_unique<Impl>()) {
  if (!model_) throw Error(ErrorKind::kInvalidArgument, "Session needs a model");
  const ParsedModel& pm = model_->data().parsed;
  const Graph& g = pm.graph;
  Impl& s = *impl_;
  s.graph = &g;
  s.check_inputs = options.check_inputs;
  if (options.threads < 0)
    throw Error(ErrorKind::kInvalidArgument, "Session: threads must be 0 (one per core) or more, got " +
                                                 std::to_string(options.threads));
  s.pool = options.pool ? options.pool
           : options.threads == 0 ? ThreadPool::shared()
                                  : std::make_shared<ThreadPool>(options.threads);

  size_t arena_bytes = static_cast<size_t>(pm.plan.arena_bytes) + MemoryPlan::kAlignment;
  s.arena.reset(static_cast<uint8_t*>(std::aligned_alloc(MemoryPlan::kAlignment,
                                                         (arena_bytes + 63) / 64 * 64)));
  if (!s.arena) throw Error(ErrorKind::kInternal, "cannot allocate the " + std::to_string(arena_bytes) + "-byte arena");
  std::memset(s.arena.get(), 0, arena_bytes);

  s.views.resize(g.values.size());
  for (size_t i = 0; i < g.values.size(); ++i) {
    const Value& v = g.values[i];
    if (v.is_constant()) {
      s.views[i] = v.constant;
    } else if (pm.plan.value_offsets[i] >= 0) {
      s.views[i] = TensorView{s.arena.get() + pm.plan.value_offsets[i], v.dtype, v.shape};
    }
  }
  size_t io_count = 0;
  for (const Node& n : g.nodes) io_count += n.inputs.size() + n.outputs.size();
  s.node_io.resize(io_count);  // never resized again: contexts keep spans into it
  s.contexts.resize(g.nodes.size());
  s.kernels.resize(g.nodes.size());
  size_t at = 0;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& n = g.nodes[k];
    const KernelDef& kd = [&]() -> const KernelDef& {
      try {
        return model_->data().ops->select(n, g, static_cast<size_t>(pm.plan.scratch_bytes[k]));
      } catch (const Error& e) {
        throw e.prefixed(model_->data().source);
      }
    }();
    s.kernels[k] = &kd;
    KernelContext& c = s.contexts[k];
    c.node = &n;
    for (size_t i = 0; i < n.inputs.size(); ++i)
      s.node_io[at + i] = n.inputs[i] == kNoValue ? TensorView{} : s.views[static_cast<size_t>(n.inputs[i])];
    c.inputs = std::span<const TensorView>(s.node_io.data() + at, n.inputs.size());
    at += n.inputs.size();
    for (size_t i = 0; i < n.outputs.size(); ++i)
      s.node_io[at + i] = n.outputs[i] == kNoValue ? TensorView{} : s.views[static_cast<size_t>(n.outputs[i])];
    c.outputs = std::span<const TensorView>(s.node_io.data() + at, n.outputs.size());
    at += n.outputs.size();
    c.pool = s.pool.get();
    if (pm.plan.scratch_offsets[k] >= 0) {
      c.scratch = s.arena.get() + pm.plan.scratch_offsets[k];
      c.scratch_bytes = static_cast<size_t>(pm.plan.scratch_bytes[k]);
    }
  }
  s.prepared.resize(g.nodes.size());
  for (size_t k = 0; k < g.nodes.size(); ++k)
    if (s.kernels[k]->prepare) {
      const KernelDef& kd = *s.kernels[k];
      s.prepared[k] = model_->data().prepared(k, kd.name, [&] { return kd.prepare(s.contexts[k], g); });
      s.contexts[k].prepared = s.prepared[k].get();
    }
  for (ValueId id : g.outputs) s.outputs.push_back(s.views[static_cast<size_t>(id)]);
  s.memo = InputMemo(g, options.memoize_inputs);
}

Session::~Session() = default;

std::span<const TensorView> Session::run(std::span<const TensorView> inputs) {
  Impl& s = *impl_;
  const Graph& g = *s.graph;
  if (inputs.size() != g.inputs.size())
    throw Error(ErrorKind::kInvalidArgument, "model takes " + std::to_string(g.inputs.size()) + " input(s), got " +
                                                 std::to_string(inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value& v = g.value(g.inputs[i]);
    const TensorView& in = inputs[i];
    if (in.dtype != v.dtype || in.shape != v.shape)
      throw Error(ErrorKind::kInvalidArgument, "input '" + v.name + "' must be " + dtype_name(v.dtype) + "[" +
                                                   v.shape.str() + "], got " + describe(in));
    if (in.data == nullptr && in.nbytes() > 0)
      throw Error(ErrorKind::kInvalidArgument, "input '" + v.name + "' has no data");
    if (s.check_inputs && !all_finite(in))
      throw Error(ErrorKind::kInvalidArgument, "input '" + v.name + "' contains NaN or Inf");
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorView& dst = s.views[static_cast<size_t>(g.inputs[i])];
    if (dst.data != inputs[i].data && inputs[i].nbytes()) std::memcpy(dst.data, inputs[i].data, inputs[i].nbytes());
  }
  const bool replay = s.memo.begin(inputs);
  for (size_t k = 0; k < s.contexts.size(); ++k) {
    const bool memoized = s.memo.memoized(k);
    auto run_node = [&] {
      if (replay && memoized) {
        s.memo.replay(k, s.contexts[k].outputs);
        return;
      }
      s.kernels[k]->fn(s.contexts[k]);
      if (memoized) s.memo.keep(k, s.contexts[k].outputs);
    };
    if (!s.observer) {
      run_node();
      continue;
    }
    auto t0 = std::chrono::steady_clock::now();
    run_node();
    auto t1 = std::chrono::steady_clock::now();
    s.observer(k, std::chrono::duration_cast<std::chrono::nanoseconds>(t0.time_since_epoch()).count(),
               std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  }
  s.memo.end();
  return s.outputs;
}

int Session::input_index(std::string_view name) const {
  const auto& ins = model_->inputs();
  for (size_t i = 0; i < ins.size(); ++i)
    if (ins[i].name == name) return static_cast<int>(i);
  return -1;
}

int Session::output_index(std::string_view name) const {
  const auto& outs = model_->outputs();
  for (size_t i = 0; i < outs.size(); ++i)
    if (outs[i].name == name) return static_cast<int>(i);
  return -1;
}

int Session::threads() const { return impl_->pool->size(); }

std::vector<NodeKernel> Session::kernels() const {
  std::vector<NodeKernel> out;
  const Graph& g = *impl_->graph;
  for (size_t k = 0; k < g.nodes.size(); ++k)
    out.push_back({g.nodes[k].name, g.nodes[k].op_type, impl_->kernels[k]->name});
  return out;
}

void Session::set_node_observer(NodeObserver observer) { impl_->observer = std::move(observer); }

SessionMemoStats Session::memo_stats() const { return impl_->memo.stats(); }

}  // namespace edgewm
