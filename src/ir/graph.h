#pragma once
// The graph IR shared by the compiler and the runtime. The compiler builds and rewrites it;
// the runtime rebuilds it from a .ewm file with constants pointing into the mapped file.
#include <cstdint>
#include <memory>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "edgewm/tensor.h"
#include "ir/attribute.h"

namespace edgewm {

using ValueId = int32_t;
inline constexpr ValueId kNoValue = -1;  // an omitted optional input

// Quantisation parameters of a value (ONNX QuantizeLinear semantics): real = scale * (q - zero
// point), one (scale, zero point) per tensor (axis -1) or per slice along `axis`.
struct QuantParams {
  int axis = -1;
  std::vector<float> scales;
  std::vector<int32_t> zero_points;  // as many as scales
  bool operator==(const QuantParams&) const = default;
};

struct Value {
  std::string name;
  DType dtype = DType::kUndefined;
  Shape shape;
  bool shape_known = false;
  // Constant data (initializer or folded result); data == nullptr when not constant.
  TensorView constant;
  // Owner of `constant` when the compiler made it; empty when it points into a mapped file.
  std::shared_ptr<Tensor> storage;
  // Set on quantised values; shared, so that rewrites that copy the value keep it.
  std::shared_ptr<const QuantParams> quant;
  // Stable for the graph's life, unlike the ValueId (remove_dead renumbers ids): analyses that
  // run before rewrites (calibration ranges, pruning masks) key their results by it. Given by
  // add_value; 0 for values of a graph loaded from a file.
  uint32_t handle = 0;

  // Zero-element constants still point at a valid address, so a null pointer means 'not constant'.
  bool is_constant() const { return constant.data != nullptr; }
  size_t nbytes() const { return static_cast<size_t>(shape.numel()) * dtype_size(dtype); }
};

class Node {
 public:
  std::string name;
  std::string op_type;
  std::string domain;  // "" for the default ONNX domain
  int opset = 0;       // the model's opset for `domain`, which fixes the op's semantics
  std::vector<ValueId> inputs;
  std::vector<ValueId> outputs;
  Attributes attrs;
};

class Graph {
 public:
  std::vector<Value> values;
  std::vector<Node> nodes;  // topological order
  std::vector<ValueId> inputs;
  std::vector<ValueId> outputs;
  // What passes found worth telling the user, e.g. why a quantised op stays float
  // ("quant.float.<node>" -> reason); the compiler stores them in the model's metadata.
  std::map<std::string, std::string> notes;

  ValueId add_value(Value v);
  ValueId add_constant(std::string name, Tensor t);
  void set_constant(ValueId id, Tensor t);  // turns a value into a constant holding t
  Value& value(ValueId id) { return values.at(static_cast<size_t>(id)); }
  const Value& value(ValueId id) const { return values.at(static_cast<size_t>(id)); }
  ValueId find_value(const std::string& name) const;  // kNoValue if absent
  ValueId find_handle(uint32_t handle) const;          // kNoValue if absent (or handle 0)
  bool is_graph_input(ValueId id) const;
  bool is_graph_output(ValueId id) const;

  // "node 'conv1' (Conv, opset 17)" — the prefix every node-level error message uses.
  static std::string where(const Node& n);
  // Orders nodes so every producer precedes its consumers; throws kInvalidModel on a cycle or
  // a value read before anything produces it.
  void topological_sort();
  // Drops nodes no graph output depends on, then unreferenced values (ids are renumbered).
  void remove_dead();

 private:
  uint32_t next_handle_ = 1;
};

}  // namespace edgewm
