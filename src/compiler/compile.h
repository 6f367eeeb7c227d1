#pragma once
// The offline toolchain: ONNX -> import -> infer + fold -> memory plan -> .ewm image.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/memory_plan.h"
#include "ir/shape_inference.h"
#include "onnx/importer.h"

namespace edgewm {

struct CompileOptions {
  ImportOptions import;
  bool fold_constants = true;
  bool fuse = true;  // false: no graph pass at all (passes/pass_registry.h)
  // Passes to leave out by name (`--no-pass NAME`); an unknown name is an error.
  std::set<std::string> disabled_passes;
  std::map<std::string, std::string> metadata;  // extra key/values stored in the model
};

struct CompiledModel {
  Graph graph;
  MemoryPlan plan;
  std::map<std::string, std::string> metadata;
  int imported_nodes = 0;
  InferStats stats;
  int64_t peak_live_bytes = 0;  // lower bound for the arena, to judge the plan
  std::vector<std::pair<std::string, int>> fusions;  // (fusion pass, rewrites) in run order

  std::vector<uint8_t> serialize() const;
};

// Reads the model card next to an ONNX file (model.json, as train/ exports it) and stores its
// "metadata" object (string values) in the model; options.metadata wins on a clash.
CompiledModel compile_onnx_file(const std::string& path, const CompileOptions& options = {});
// The "metadata" object (string values) of a model card's JSON text; kInvalidModel naming `what`.
std::map<std::string, std::string> metadata_from_json(const std::string& text, const std::string& what);
// The "metadata" object of the model.json beside `onnx_path`; empty when there is none.
std::map<std::string, std::string> sidecar_metadata(const std::string& onnx_path);
CompiledModel compile_imported(ImportedModel imported, const CompileOptions& options = {});

}  // namespace edgewm
