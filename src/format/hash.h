#pragma once
#include <cstddef>
#include <cstdint>

namespace edgewm {
// XXH3-64: checks a model's integrity at several GB/s, so verifying weights costs well under
// a millisecond per MB.
uint64_t hash64(const void* data, size_t n);
}  // namespace edgewm
