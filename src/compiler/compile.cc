#include "compiler/compile.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/regular_file.h"
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
  check_declared_outputs(out.graph, imported.declared_outputs);
  PassSelection passes;
  passes.disabled = options.disabled_passes;
  if (!options.fuse)
    for (const GraphPass& p : graph_passes()) passes.disabled.insert(p.name);
  out.fusions = run_graph_passes(out.graph, passes);
  for (const auto& [k, v] : out.graph.notes) out.metadata.emplace(k, v);  // an explicit --meta wins
  const GraphPass& concat = *find_pass("concat-in-place");
  const bool in_place = passes.enabled(concat);
  const Placements placements = in_place ? with_concats_in_place(out.graph) : own_buffers(out.graph);
  if (in_place) out.fusions.emplace_back(concat.report, placements.concats_in_place);
  out.plan = plan_memory(out.graph, placements);
  out.peak_live_bytes = peak_live_bytes(out.graph, placements);
  return out;
}

std::map<std::string, std::string> metadata_from_json(const std::string& text, const std::string& what) {
  std::map<std::string, std::string> out;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::kInvalidModel, what + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("metadata")) return out;
  if (!j["metadata"].is_object()) throw Error(ErrorKind::kInvalidModel, what + ": \"metadata\" is not an object");
  for (const auto& [k, v] : j["metadata"].items()) {
    if (!v.is_string()) throw Error(ErrorKind::kInvalidModel, what + ": metadata '" + k + "' is not a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

std::map<std::string, std::string> sidecar_metadata(const std::string& onnx_path) {
  const auto card = std::filesystem::path(onnx_path).parent_path() / "model.json";
  std::error_code ec;
  if (!std::filesystem::exists(card, ec)) return {};
  const std::vector<uint8_t> bytes = read_regular_file(card.string(), "model card");  // never blocks on a FIFO
  return metadata_from_json(std::string(bytes.begin(), bytes.end()), card.string());
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
