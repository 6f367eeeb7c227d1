#pragma once
// Runs a model: one arena planned at compile time, kernels chosen once, nothing allocated per run.
//
// Thread safety: a Session is used by one thread at a time (run() writes its arena; the views
// it returns are overwritten by the next run). Different sessions may run concurrently, also
// on the same Model (a Model is immutable once loaded and may be shared freely) and on the
// same ThreadPool: while one session's parallel section has the pool's workers, another's runs
// on its own calling thread, so N sessions never oversubscribe the cores.
//
// Errors: the constructor throws edgewm::Error (kInvalidArgument for bad options, kUnsupported
// for a node no kernel can run); run() throws kInvalidArgument for bad inputs and passes on any
// kernel's error, from whichever thread it was raised; the session stays usable afterwards.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgewm/model.h"
#include "edgewm/tensor.h"
#include "edgewm/thread_pool.h"

namespace edgewm {

struct SessionOptions {
  // 0: the process-wide pool (one thread per physical core), shared with every other session
  // that asks for it; N: a pool of N threads of this session's own (1: no worker threads).
  int threads = 0;
  bool check_inputs = true;   // reject NaN/Inf in float inputs with an error naming the input
  // Inputs whose values repeat across runs (a sampler's noise level, an action): the nodes
  // that depend only on them and on constants run once per distinct value (up to 64 kept);
  // later runs replay their outputs. Empty: off.
  std::vector<std::string> memoize_inputs = {};
  // A pool to share with chosen sessions; overrides `threads` when set.
  std::shared_ptr<ThreadPool> pool = nullptr;
};

struct SessionMemoStats {
  size_t nodes = 0;             // nodes a memo hit skips
  size_t hits = 0, misses = 0;  // runs
  size_t entries = 0, entry_bytes = 0;
};

struct NodeKernel {
  std::string node, op_type, kernel;
};

class Session {
 public:
  explicit Session(std::shared_ptr<const Model> model, const SessionOptions& options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Inputs in the model's input order. Returns views of the outputs, valid until the next run.
  // Throws kInvalidArgument naming the input on a wrong count, dtype, shape or non-finite value.
  std::span<const TensorView> run(std::span<const TensorView> inputs);
  std::span<const TensorView> run(std::initializer_list<TensorView> inputs) {
    return run(std::span<const TensorView>(inputs.begin(), inputs.size()));
  }

  // Index of a named input or output; -1 if absent.
  int input_index(std::string_view name) const;
  int output_index(std::string_view name) const;
  const Model& model() const { return *model_; }
  int threads() const;
  // The kernel picked for every node, in execution order.
  std::vector<NodeKernel> kernels() const;

  // Called after every node with its index, its start (steady-clock nanoseconds) and its
  // duration in nanoseconds (profiling); empty = off, and then costs nothing.
  using NodeObserver = std::function<void(size_t node, int64_t start_ns, int64_t duration_ns)>;
  void set_node_observer(NodeObserver observer);
  SessionMemoStats memo_stats() const;

 private:
  struct Impl;
  std::shared_ptr<const Model> model_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgewm
