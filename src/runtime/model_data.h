#pragma once
// What a loaded Model holds, for the runtime's sessions and, read only, for this repository's
// tools and tests (edgewm inspect / profile / bench read the graph, plan and registry here): the
// one internal interface they may use besides the public headers. Not installed.
// Thread safety: immutable after load, except the prepared-weights cache, which locks.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/mapped_file.h"
#include "edgewm/model.h"
#include "format/ewm_reader.h"

namespace edgewm::detail {

struct ModelData {
  std::unique_ptr<MappedFile> file;  // the mapping, when loaded from disk
  std::unique_ptr<uint8_t[]> owned;  // the image, when read or given in memory (not zero-filled)
  ParsedModel parsed;
  std::vector<TensorInfo> inputs, outputs;
  std::string source;               // the path, or what from_bytes was told: for error messages
  const OpRegistry* ops = nullptr;  // what sessions select kernels from (never null after load)

  // What kernels prepared from the constant weights (KernelDef::prepare), per (node, kernel):
  // made by the first session that needs it and shared by every later one, so N sessions of a
  // model hold one copy. Thread-safe: concurrent sessions wait for the one that prepares.
  std::shared_ptr<const void> prepared(size_t node, const std::string& kernel,
                                       const std::function<std::shared_ptr<const void>()>& make) const {
    std::lock_guard<std::mutex> lock(prepared_mu_);
    auto it = prepared_.find({node, kernel});
    if (it != prepared_.end()) return it->second;
    std::shared_ptr<const void> p = make();
    prepared_.emplace(std::make_pair(node, kernel), p);
    return p;
  }
  size_t prepared_count() const {
    std::lock_guard<std::mutex> lock(prepared_mu_);
    return prepared_.size();
  }

 private:
  mutable std::mutex prepared_mu_;
  mutable std::map<std::pair<size_t, std::string>, std::shared_ptr<const void>> prepared_;
};

}  // namespace edgewm::detail
