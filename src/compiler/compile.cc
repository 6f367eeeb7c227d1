#include "compiler/compile.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "format/ewm_writer.h"
#include "kernels/evaluate_node.h"
#include "kernels/register_ops.h"
#include "passes/pass_registry.h"
#include "passes/plan_memory.h"

namespace edgewm {

CompiledModel compile_imported(ImportedModel imported, const CompileOptions& options) {
  CompiledModel out;
  out.graph = std::move(imported.graph);
  out.metadata = std::move(imported.metadata);
  for (const auto& [k, v] : options.metadata) out.metadata[k] = v;
  out.metadata["edgewm.version"] = EDGEWM_VERSION;
  out.imported_nodes = static_cast<int>(out.graph.nodes.size());
  out.stats = infer_and_fold(out.graph, builtin_ops(), options.fold_constants ? reference_evaluator() : NodeEvaluator{});
  PassSelection passes;
  passes.disabled = options.disabled_passes;
  if (!options.fuse)
    for (const GraphPass& p : graph_passes()) passes.disabled.insert(p.name);
  out.fusions = run_graph_passes(out.graph, passes);
  const GraphPass& concat = *find_pass("concat-in-place");
  const bool in_place = passes.enabled(concat);
  const Placements placements = in_place ? with_concats_in_place(out.graph) : own_buffers(out.graph);
  if (in_place) out.fusions.emplace_back(concat.report, placements.concats_in_place);
  out.plan = plan_memory(out.graph, placements);
  out.peak_live_bytes = peak_live_bytes(out.graph, placements);
  return out;
}

std::map<std::string, std::string> sidecar_metadata(const std::string& onnx_path) {
  const auto card = std::filesystem::path(onnx_path).parent_path() / "model.json";
  std::map<std::string, std::string> out;
  std::ifstream f(card);
  if (!f) return out;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::kInvalidModel, card.string() + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("metadata")) return out;
  if (!j["metadata"].is_object()) throw Error(ErrorKind::kInvalidModel, card.string() + ": \"metadata\" is not an object");
  for (const auto& [k, v] : j["metadata"].items()) {
    if (!v.is_string()) throw Error(ErrorKind::kInvalidModel, card.string() + ": metadata '" + k + "' is not a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

CompiledModel compile_onnx_file(const std::string& path, const CompileOptions& options) {
  ImportedModel imported = import_onnx_file(path, options.import);
  try {
    auto card = sidecar_metadata(path);
    CompiledModel m = compile_imported(std::move(imported), options);
    for (auto& [k, v] : card)
      if (!options.metadata.count(k)) m.metadata[k] = v;  // explicit --meta wins
    m.metadata["source"] = std::filesystem::path(path).filename().string();
    return m;
  } catch (const Error& e) {
    throw e.prefixed(path);
  }
}

std::vector<uint8_t> CompiledModel::serialize() const { return serialize_ewm(graph, plan, metadata); }

}  // namespace edgewm
