#pragma once
// NumPy .npy files (format 1.0-3.0, little-endian, C order): the interchange with Python.
#include <cstdint>
#include <span>
#include <string>

#include "edgewm/tensor.h"

namespace edgewm {

// Errors name the file and what is wrong with it; sizes are checked against the file before
// anything is allocated. Only regular files are read.
Tensor load_npy(const std::string& path);
// The same from a file's bytes in memory (`what` names them in errors).
Tensor npy_from_bytes(std::span<const uint8_t> bytes, const std::string& what);
void save_npy(const TensorView& t, const std::string& path);

}  // namespace edgewm
