#include "ir/shape_inference.h"

#include <algorithm>

#include "ir/op_registry.h"

namespace edgewm {

namespace {

// Folding may not bloat the model: a node whose constant result is much larger than its
// constant inputs (Expand, Tile, ConstantOfShape of a big shape) stays a runtime node.
constexpr size_t kMaxFoldGrowthBytes = 1 << 20;

bool should_fold(const Graph& g, const Node& n, const OpSchema& s) {
  if (s.never_fold) return false;
  size_t in_bytes = 0, out_bytes = 0;
  for (ValueId v : n.inputs) {
    if (v == kNoValue) continue;
    if (!g.value(v).is_constant()) return false;
    in_bytes += g.value(v).nbytes();
  }
  for (ValueId v : n.outputs)
    if (v != kNoValue) out_bytes += g.value(v).nbytes();
  return out_bytes <= in_bytes + kMaxFoldGrowthBytes;
}

const OpSchema& schema_of(const OpRegistry& ops, const Node& n) {
  const OpSchema* s = ops.find(n.op_type, n.domain);
  if (!s) throw Error(ErrorKind::kUnsupported, Graph::where(n) + ": op is not supported");
  if (s->attributes)
    for (const Attribute& a : n.attrs.all())
      if (std::find(s->attributes->begin(), s->attributes->end(), a.name) == s->attributes->end()) {
        std::string known;
        for (const std::string& k : *s->attributes) known += (known.empty() ? "" : ", ") + k;
        throw Error(ErrorKind::kInvalidModel, Graph::where(n) + ": unknown attribute '" + a.name + "' (" + n.op_type +
                                                  " takes " + (known.empty() ? "none" : known) + ")");
      }
  return *s;
}

// Errors thrown by shared helpers do not know the node; add it.
[[noreturn]] void rethrow_at(const Error& e, const Node& n) {
  std::string where = Graph::where(n);
  if (std::string(e.what()).rfind(where, 0) == 0) throw e;
  throw e.prefixed(where);
}

}  // namespace

InferStats infer_and_fold(Graph& g, const OpRegistry& ops, const NodeEvaluator& evaluate) {
  InferStats stats;
  const bool fold = static_cast<bool>(evaluate);
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    Node& n = g.nodes[k];
    try {
      for (ValueId v : n.inputs)
        if (v != kNoValue && !g.value(v).shape_known)
          throw Error(ErrorKind::kInternal, "input '" + g.value(v).name + "' has no inferred shape");
      if (canonicalize_node(g, n)) ++stats.canonicalized;
      Node& node = g.nodes[k];  // values may have grown; nodes did not move
      const OpSchema& s = schema_of(ops, node);
      InferContext ctx(g, node);
      s.infer(ctx);
      for (size_t i = 0; i < node.outputs.size(); ++i)
        if (node.outputs[i] != kNoValue && !g.value(node.outputs[i]).shape_known)
          throw Error(ErrorKind::kInternal, "inference left output " + std::to_string(i) + " without a shape");
      bool all_known = std::all_of(node.outputs.begin(), node.outputs.end(),
                                   [&](ValueId v) { return v == kNoValue || g.value(v).is_constant(); });
      if (fold && !all_known && should_fold(g, node, s)) {
        std::vector<Tensor> outs = evaluate(g, node);
        for (size_t i = 0; i < node.outputs.size(); ++i)
          if (node.outputs[i] != kNoValue) g.set_constant(node.outputs[i], std::move(outs[i]));
        ++stats.folded_nodes;
      } else if (all_known) {
        ++stats.folded_nodes;  // Shape/Size: known from shapes alone
      }
    } catch (const Error& e) {
      rethrow_at(e, g.nodes[k]);
    }
  }
  g.remove_dead();
  return stats;
}

void verify_shapes(Graph& g, const OpRegistry& ops) {
  // Inference overwrites value types; keep the stored ones to compare and restore.
  std::vector<std::pair<DType, Shape>> stored;
  stored.reserve(g.values.size());
  for (const Value& v : g.values) stored.emplace_back(v.dtype, v.shape);
  for (Node& n : g.nodes) {
    try {
      const OpSchema& s = schema_of(ops, n);
      InferContext ctx(g, n);
      s.infer(ctx);
      for (ValueId v : n.outputs) {
        if (v == kNoValue) continue;
        Value& val = g.value(v);
        const auto& [dtype, shape] = stored[static_cast<size_t>(v)];
        if (val.is_constant())
          throw Error(ErrorKind::kInvalidModel, "output '" + val.name + "' should have been folded at compile time");
        if (val.dtype != dtype || val.shape != shape)
          throw Error(ErrorKind::kInvalidModel, "stored type of '" + val.name + "' is " + dtype_name(dtype) + "[" +
                                                    shape.str() + "], the op gives " + dtype_name(val.dtype) + "[" +
                                                    val.shape.str() + "]");
      }
    } catch (const Error& e) {
      rethrow_at(e, n);
    }
  }
}

}  // namespace edgewm
