#include "compiler/compile.h"

#include <filesystem>

#include "format/ewm_writer.h"
#include "passes/plan_memory.h"

namespace edgewm {

CompiledModel compile_imported(ImportedModel imported, const CompileOptions& options) {
  CompiledModel out;
  out.graph = std::move(imported.graph);
  out.metadata = std::move(imported.metadata);
  for (const auto& [k, v] : options.metadata) out.metadata[k] = v;
  out.metadata["edgewm.version"] = EDGEWM_VERSION;
  out.imported_nodes = static_cast<int>(out.graph.nodes.size());
  out.stats = infer_and_fold(out.graph, options.fold_constants);
  out.plan = plan_memory(out.graph);
  out.peak_live_bytes = peak_live_bytes(out.graph);
  return out;
}

CompiledModel compile_onnx_file(const std::string& path, const CompileOptions& options) {
  ImportedModel imported = import_onnx_file(path, options.import);
  try {
    CompiledModel m = compile_imported(std::move(imported), options);
    m.metadata["source"] = std::filesystem::path(path).filename().string();
    return m;
  } catch (const Error& e) {
    throw e.prefixed(path);
  }
}

std::vector<uint8_t> CompiledModel::serialize() const { return serialize_ewm(graph, plan, metadata); }

}  // namespace edgewm
