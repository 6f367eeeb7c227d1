// A .npy file from bad bytes (the parser behind `edgewm run -i x=FILE.npy`).
#include <cstddef>
#include <cstdint>

#include "io/npy.h"

using namespace edgewm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    npy_from_bytes({data, size}, "fuzz.npy");
  } catch (const Error&) {
  }
  return 0;
}
