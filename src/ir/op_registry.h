#pragma once
#include <cstdint>
#include <memory>
#include <optional>
// Every op declares: how to infer its output types/shapes (and fold when inputs are constant),
// and one or more kernels. The executor picks a kernel per node; fast kernels (SIMD, quantised,
// CUDA) register next to the reference one and declare which nodes they support.
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "edgewm/tensor.h"
#include "ir/graph.h"

namespace edgewm {

class ThreadPool;

// What shape inference sees of one node.
class InferContext {
 public:
  InferContext(Graph& g, Node& n) : graph_(g), node_(n) {}
  const Node& node() const { return node_; }
  const Attributes& attrs() const { return node_.attrs; }
  size_t num_inputs() const { return node_.inputs.size(); }
  size_t num_outputs() const { return node_.outputs.size(); }
  // An optional input that the model omitted ("" in ONNX) or that is past the end.
  bool has_input(size_t i) const { return i < node_.inputs.size() && node_.inputs[i] != kNoValue; }
  bool has_output(size_t i) const { return i < node_.outputs.size() && node_.outputs[i] != kNoValue; }
  const Value& input(size_t i) const;  // throws kInvalidModel if missing
  DType dtype(size_t i) const { return input(i).dtype; }
  const Shape& shape(size_t i) const { return input(i).shape; }
  // The contents of input i, which must be constant (after folding); throws kNeedsConstant
  // naming the value otherwise.
  const TensorView& constant(size_t i) const;
  bool is_constant(size_t i) const { return has_input(i) && input(i).is_constant(); }
  // Reads a constant integer tensor (i32 or i64) as int64s.
  std::vector<int64_t> constant_ints(size_t i) const;

  void set_output(size_t i, DType t, const Shape& s);
  // What set_output gave output i (an op that extends another's inference checks against it).
  const Shape& output_shape(size_t i) const;
  // Shape-like ops whose result is known from shapes alone (Shape, Size) set it directly.
  void set_output_constant(size_t i, Tensor t);

  // Errors prefixed with the node's location.
  [[noreturn]] void fail(const std::string& msg) const;         // kInvalidModel
  [[noreturn]] void unsupported(const std::string& msg) const;  // kUnsupported
  void check(bool ok, const std::string& msg) const {
    if (!ok) fail(msg);
  }
  // Fails unless input i has one of the given dtypes.
  void expect_dtype(size_t i, std::initializer_list<DType> allowed) const;

 private:
  Graph& graph_;
  Node& node_;
};

// What a kernel sees when it runs. Built once per node when a session starts.
struct KernelContext {
  const Node* node = nullptr;
  std::span<const TensorView> inputs;  // omitted optional inputs are empty views
  std::span<const TensorView> outputs;
  ThreadPool* pool = nullptr;  // never null inside a session
  void* scratch = nullptr;     // per-node workspace from the arena, size from OpSchema::scratch
  size_t scratch_bytes = 0;
  const void* prepared = nullptr;  // what the kernel's `prepare` made at session start, if any

  const Attributes& attrs() const { return node->attrs; }
  const TensorView& in(size_t i) const { return inputs[i]; }
  bool has_in(size_t i) const { return i < inputs.size() && !inputs[i].empty(); }
  const TensorView& out(size_t i) const { return outputs[i]; }
};

using InferFn = void (*)(InferContext&);
using KernelFn = void (*)(const KernelContext&);
// Bytes of scratch a node needs at run time (0 for most ops).
using ScratchFn = size_t (*)(const Node&, const Graph&);
// Whether a kernel handles this particular node (dtypes, attributes, CPU features).
using SupportsFn = bool (*)(const Node&, const Graph&);
// Work a kernel does once per session from constant inputs (weights in its own layout); the
// session keeps the result and hands it back in KernelContext::prepared. Returns null when
// there is nothing to prepare (e.g. the weights are not constant).
using PrepareFn = std::shared_ptr<const void> (*)(const KernelContext&, const Graph&);

struct KernelDef {
  std::string name;            // shown by `edgewm inspect`, e.g. "ref", "avx2.conv3x3"
  KernelFn fn = nullptr;
  SupportsFn supports = nullptr;  // null: supports every node that passed inference
  int priority = 0;               // highest supported wins
  ScratchFn scratch = nullptr;
  PrepareFn prepare = nullptr;
};

struct OpSchema {
  std::string op_type;
  std::string domain;  // "" = ai.onnx
  InferFn infer = nullptr;
  std::vector<KernelDef> kernels;
  // Output 0 may share input 0's storage (Reshape, Squeeze...): the planner aliases them.
  bool output_aliases_input = false;
  // Folding this op at compile time is forbidden (e.g. random ops).
  bool never_fold = false;
  // When set, the only attribute names a node may carry; shape inference refuses others (the
  // edgewm ops: a corrupted name must not silently drop, say, a fused activation). ONNX ops
  // are checked against ONNX's own schemas when imported.
  std::optional<std::vector<std::string>> attributes;
};

class OpRegistry {
 public:
  void add(OpSchema schema);
  // Adds a kernel to an op registered earlier.
  void add_kernel(std::string_view op_type, KernelDef k, std::string_view domain = "");
  const OpSchema* find(std::string_view op_type, std::string_view domain = "") const;
  // The highest-priority kernel that supports the node within `max_scratch` bytes of scratch
  // (a model compiled before a kernel that needs more existed still runs, on another kernel);
  // throws kUnsupported if none.
  const KernelDef& select(const Node& n, const Graph& g, size_t max_scratch = SIZE_MAX) const;
  // The op's reference kernel (named "ref": naive, the same arithmetic on every CPU): the
  // oracle of the kernel tests, and what constant folding runs, so that a model compiles to
  // the same bytes on any host. Throws kUnsupported if the op has none for this node.
  const KernelDef& reference(const Node& n, const Graph& g) const;
  std::vector<std::string> op_types() const;

 private:
  static std::string key(std::string_view domain, std::string_view op_type);
  std::unordered_map<std::string, OpSchema> ops_;
};

// Shape inference (+ folding helpers) utilities shared by many ops.
// Numpy-style multidirectional broadcast; fails with both shapes in the message.
Shape broadcast_shapes(const InferContext& ctx, const Shape& a, const Shape& b);
// Normalises an axis in [-rank, rank) to [0, rank); fails naming the attribute otherwise.
int normalize_axis(const InferContext& ctx, int64_t axis, int rank, const char* what = "axis");

}  // namespace edgewm
