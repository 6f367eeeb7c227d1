#pragma once
// ONNX ModelProto -> edgewm Graph. Compiler side only: the runtime never sees protobuf.
#include <map>
#include <string>
#include <vector>

#include "edgewm/tensor.h"
#include "ir/graph.h"

namespace edgewm {

struct ImportOptions {
  // Fixes an input's shape (overrides the model's dims; required for symbolic dims other
  // than a leading batch dim).
  std::map<std::string, Shape> input_shapes;
  // Freezes an input to a constant (e.g. a shape tensor the graph computes shapes from).
  std::map<std::string, Tensor> input_values;
  // Used for a symbolic leading (batch) dim when no shape is given.
  int64_t default_batch = 1;
  // When > 0: the batch the caller needs (`--batch`). A model whose inputs all have a fixed
  // leading dim that differs is refused: its exporter baked the batch into Reshape constants.
  int64_t required_batch = 0;
};

// What the model declares about a graph output, to check against what shape inference finds.
struct DeclaredOutput {
  DType dtype = DType::kUndefined;  // kUndefined: not declared
  bool has_shape = false;
  std::vector<int64_t> dims;  // -1: symbolic or unknown
};

struct ImportedModel {
  Graph graph;
  std::map<std::string, std::string> metadata;  // producer, opsets, doc strings...
  std::vector<DeclaredOutput> declared_outputs;  // one per graph.outputs entry, in order
};

// Refuses a graph whose inferred output types or fixed dims contradict the declared ones (run
// after shape inference). Symbolic dims match anything.
void check_declared_outputs(const Graph& graph, const std::vector<DeclaredOutput>& declared);

// Names of the graph's real inputs (initializers excluded), in order, without importing.
std::vector<std::string> onnx_input_names(const std::string& path);

ImportedModel import_onnx_file(const std::string& path, const ImportOptions& options = {});
ImportedModel import_onnx_bytes(const std::string& bytes, const std::string& base_dir,
                                const ImportOptions& options = {}, const std::string& what = "model");

}  // namespace edgewm
