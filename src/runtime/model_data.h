#pragma once
#include <memory>
#include <vector>

#include "core/mapped_file.h"
#include "edgewm/model.h"
#include "format/ewm_reader.h"

namespace edgewm::detail {

struct ModelData {
  std::unique_ptr<MappedFile> file;  // the mapping, when loaded from disk
  std::vector<uint8_t> owned;        // the image, when loaded from memory
  ParsedModel parsed;
  std::vector<TensorInfo> inputs, outputs;
};

}  // namespace edgewm::detail
