#pragma once
// NumPy .npy files (format 1.0-3.0, little-endian, C order): the interchange with Python.
#include <string>

#include "edgewm/tensor.h"

namespace edgewm {

Tensor load_npy(const std::string& path);
void save_npy(const TensorView& t, const std::string& path);

}  // namespace edgewm
