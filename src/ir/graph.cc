#include "ir/graph.h"

#include <algorithm>

namespace edgewm {

ValueId Graph::add_value(Value v) {
  if (v.handle == 0) v.handle = next_handle_++;
  values.push_back(std::move(v));
  return static_cast<ValueId>(values.size() - 1);
}

ValueId Graph::add_constant(std::string name, Tensor t) {
  Value v;
  v.name = std::move(name);
  ValueId id = add_value(std::move(v));
  set_constant(id, std::move(t));
  return id;
}

void Graph::set_constant(ValueId id, Tensor t) {
  Value& v = value(id);
  v.dtype = t.dtype();
  v.shape = t.shape();
  v.shape_known = true;
  v.storage = std::make_shared<Tensor>(std::move(t));
  v.constant = v.storage->view();
}

ValueId Graph::find_value(const std::string& name) const {
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i].name == name) return static_cast<ValueId>(i);
  return kNoValue;
}

bool Graph::is_graph_input(ValueId id) const { return std::find(inputs.begin(), inputs.end(), id) != inputs.end(); }
bool Graph::is_graph_output(ValueId id) const {
  return std::find(outputs.begin(), outputs.end(), id) != outputs.end();
}

std::string Graph::where(const Node& n) {
  return "node '" + n.name + "' (" + (n.domain.empty() ? "" : n.domain + ".") + n.op_type + ", opset " +
         std::to_string(n.opset) + ")";
}

void Graph::topological_sort() {
  std::vector<bool> ready(values.size(), false);
  for (size_t i = 0; i < values.size(); ++i) ready[i] = values[i].is_constant();
  for (ValueId id : inputs) ready.at(static_cast<size_t>(id)) = true;
  std::vector<Node> sorted;
  sorted.reserve(nodes.size());
  std::vector<bool> placed(nodes.size(), false);
  size_t remaining = nodes.size();
  while (remaining > 0) {
    bool progress = false;
    for (size_t n = 0; n < nodes.size(); ++n) {
      if (placed[n]) continue;
      bool ok = std::all_of(nodes[n].inputs.begin(), nodes[n].inputs.end(),
                            [&](ValueId v) { return v == kNoValue || ready.at(static_cast<size_t>(v)); });
      if (!ok) continue;
      for (ValueId v : nodes[n].outputs)
        if (v != kNoValue) ready.at(static_cast<size_t>(v)) = true;
      placed[n] = true;
      sorted.push_back(std::move(nodes[n]));
      --remaining;
      progress = true;
    }
    if (!progress) {
      for (size_t n = 0; n < nodes.size(); ++n) {
        if (placed[n]) continue;
        for (ValueId v : nodes[n].inputs)
          if (v != kNoValue && !ready[static_cast<size_t>(v)])
            throw Error(ErrorKind::kInvalidModel, where(nodes[n]) + ": input '" + value(v).name +
                                                      "' is never produced (or the graph has a cycle)");
      }
      throw Error(ErrorKind::kInvalidModel, "graph has a cycle");
    }
  }
  nodes = std::move(sorted);
}

ValueId Graph::find_handle(uint32_t handle) const {
  if (handle == 0) return kNoValue;
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i].handle == handle) return static_cast<ValueId>(i);
  return kNoValue;
}

void Graph::remove_dead() {
  std::vector<bool> live(values.size(), false);
  for (ValueId id : outputs) live[static_cast<size_t>(id)] = true;
  std::vector<bool> keep(nodes.size(), false);
  for (size_t k = nodes.size(); k-- > 0;) {
    const Node& n = nodes[k];
    bool needed = std::any_of(n.outputs.begin(), n.outputs.end(), [&](ValueId v) {
      return v != kNoValue && live[static_cast<size_t>(v)] && !values[static_cast<size_t>(v)].is_constant();
    });
    if (!needed) continue;
    keep[k] = true;
    for (ValueId v : n.inputs)
      if (v != kNoValue) live[static_cast<size_t>(v)] = true;
  }
  for (ValueId id : inputs) live[static_cast<size_t>(id)] = true;
  std::vector<Node> kept;
  for (size_t k = 0; k < nodes.size(); ++k)
    if (keep[k]) kept.push_back(std::move(nodes[k]));
  nodes = std::move(kept);
  // Output slots nobody reads are dropped from nodes that stay (e.g. unused Split outputs stay,
  // but they need storage): they remain live so the kernel has somewhere to write.
  for (const Node& n : nodes)
    for (ValueId v : n.outputs)
      if (v != kNoValue) live[static_cast<size_t>(v)] = true;

  std::vector<ValueId> remap(values.size(), kNoValue);
  std::vector<Value> kept_values;
  for (size_t i = 0; i < values.size(); ++i) {
    if (!live[i]) continue;
    remap[i] = static_cast<ValueId>(kept_values.size());
    kept_values.push_back(std::move(values[i]));
  }
  values = std::move(kept_values);
  auto fix = [&](ValueId& v) {
    if (v != kNoValue) v = remap[static_cast<size_t>(v)];
  };
  for (Node& n : nodes) {
    for (ValueId& v : n.inputs) fix(v);
    for (ValueId& v : n.outputs) fix(v);
  }
  for (ValueId& v : inputs) fix(v);
  for (ValueId& v : outputs) fix(v);
}

}  // namespace edgewm
