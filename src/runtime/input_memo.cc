#include "runtime/input_memo.h"

#include <cstring>
#include <set>

#include "edgewm/error.h"

namespace edgewm {

namespace {

// Ops whose output is not a function of their inputs.
bool nondeterministic(const Node& n) {
  static const std::set<std::string> ops = {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
                                            "Multinomial", "Bernoulli"};
  return ops.count(n.op_type) > 0;
}

}  // namespace

InputMemo::InputMemo(const Graph& g, std::span<const std::string> names) {
  if (names.empty()) return;
  std::vector<char> fixed(g.values.size(), 0);
  for (size_t v = 0; v < g.values.size(); ++v) fixed[v] = g.values[v].is_constant();
  for (const std::string& name : names) {
    size_t pos = g.inputs.size();
    for (size_t i = 0; i < g.inputs.size(); ++i)
      if (g.value(g.inputs[i]).name == name) pos = i;
    if (pos == g.inputs.size())
      throw Error(ErrorKind::kInvalidArgument, "cannot memoise on '" + name + "': the model has no such input");
    key_inputs_.push_back(pos);
    fixed[static_cast<size_t>(g.inputs[pos])] = 1;
  }
  memo_node_.assign(g.nodes.size(), 0);
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& n = g.nodes[k];
    bool all = !n.inputs.empty() && !nondeterministic(n);
    for (ValueId in : n.inputs) all = all && (in == kNoValue || fixed[static_cast<size_t>(in)]);
    if (!all) continue;
    memo_node_[k] = 1;
    for (ValueId out : n.outputs)
      if (out != kNoValue) fixed[static_cast<size_t>(out)] = 1;
  }
  // Which memoised outputs the rest of the graph reads: those are kept per key.
  std::vector<char> read_outside(g.values.size(), 0);
  for (size_t k = 0; k < g.nodes.size(); ++k)
    if (!memo_node_[k])
      for (ValueId in : g.nodes[k].inputs)
        if (in != kNoValue) read_outside[static_cast<size_t>(in)] = 1;
  for (ValueId out : g.outputs) read_outside[static_cast<size_t>(out)] = 1;
  kept_.resize(g.nodes.size());
  slot_offset_.resize(g.nodes.size());
  size_t slots = 0;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    slot_offset_[k] = slots;
    if (!memo_node_[k]) continue;
    ++stats_.nodes;
    const Node& n = g.nodes[k];
    for (size_t o = 0; o < n.outputs.size(); ++o)
      if (n.outputs[o] != kNoValue && read_outside[static_cast<size_t>(n.outputs[o])]) {
        kept_[k].push_back(static_cast<int>(o));
        stats_.entry_bytes += g.value(n.outputs[o]).nbytes();
      }
    slots += kept_[k].size();
  }
  filling_.resize(slots);
  if (stats_.nodes == 0) key_inputs_.clear();  // nothing to gain
}

bool InputMemo::begin(std::span<const TensorView> inputs) {
  hit_ = nullptr;
  recording_ = false;
  if (!enabled()) return false;
  key_.clear();
  for (size_t pos : key_inputs_) {
    const TensorView& t = inputs[pos];
    key_.append(static_cast<const char*>(t.data), t.nbytes());
  }
  auto it = entries_.find(key_);
  if (it != entries_.end()) {
    hit_ = &it->second;
    ++stats_.hits;
    return true;
  }
  ++stats_.misses;
  recording_ = entries_.size() < kMaxEntries;
  return false;
}

void InputMemo::replay(size_t node, std::span<const TensorView> outputs) const {
  const auto& kept = kept_[node];
  for (size_t j = 0; j < kept.size(); ++j) {
    const auto& bytes = (*hit_)[slot_offset_[node] + j];
    std::memcpy(outputs[static_cast<size_t>(kept[j])].data, bytes.data(), bytes.size());
  }
}

void InputMemo::keep(size_t node, std::span<const TensorView> outputs) {
  if (!recording_) return;
  const auto& kept = kept_[node];
  for (size_t j = 0; j < kept.size(); ++j) {
    const TensorView& t = outputs[static_cast<size_t>(kept[j])];
    const auto* p = static_cast<const uint8_t*>(t.data);
    filling_[slot_offset_[node] + j].assign(p, p + t.nbytes());
  }
}

void InputMemo::end() {
  if (recording_) {
    entries_.emplace(key_, filling_);
    stats_.entries = entries_.size();
  }
  recording_ = false;
  hit_ = nullptr;
}

}  // namespace edgewm
