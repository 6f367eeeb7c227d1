#pragma once
// A compiled model (.ewm). Model::load reads the file into private memory by default, so a file
// that is replaced, rewritten or truncated afterwards cannot change or crash a loaded model
// (and a change during the read fails the weight hash); LoadOptions::map_file maps it instead,
// zero-copy, under a contract: replace the file by rename (as `edgewm compile` does), never
// rewrite or truncate it in place while a model holds it (a truncated mapping is a SIGBUS).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edgewm/tensor.h"

namespace edgewm {

class OpRegistry;
namespace detail {
struct ModelData;
}

struct LoadOptions {
  // Hash the weights on load (several GB/s). Off: a load touches only header and metadata.
  bool verify_weights = true;
  // Map the file read-only instead of reading it (zero-copy; see the contract above).
  bool map_file = false;
  // The ops and kernels the model is checked against and its sessions run (src/ir/op_registry.h);
  // null: the built-in ones. Must outlive the model. For tests and for embedding own kernels.
  const OpRegistry* ops = nullptr;
};

struct TensorInfo {
  std::string name;
  DType dtype = DType::kUndefined;
  Shape shape;
};

class Model {
 public:
  static std::shared_ptr<const Model> load(const std::string& path, const LoadOptions& options = {});
  // From an in-memory image (e.g. produced by the compiler without touching disk).
  static std::shared_ptr<const Model> from_bytes(std::vector<uint8_t> bytes, const LoadOptions& options = {},
                                                 const std::string& what = "<memory>");
  ~Model();

  const std::vector<TensorInfo>& inputs() const;
  const std::vector<TensorInfo>& outputs() const;
  const std::map<std::string, std::string>& metadata() const;
  uint64_t file_bytes() const;
  uint64_t weight_bytes() const;
  int64_t arena_bytes() const;
  int num_nodes() const;

  // Internal (src/runtime/model_data.h): the parsed graph, memory plan and op registry, for this
  // repository's tools (inspect, profile, bench) and tests. Not installed; no stability promise.
  const detail::ModelData& data() const { return *d_; }

 private:
  Model();
  std::unique_ptr<detail::ModelData> d_;
};

}  // namespace edgewm
