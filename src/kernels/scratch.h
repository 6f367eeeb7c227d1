#pragma once
#include <cstdint>

namespace edgewm {

// Kernel scratch at its first 64-byte boundary (scratch sizes include the 64 bytes of slack).
template <class T> T* scratch_aligned(void* scratch) {
  return reinterpret_cast<T*>((reinterpret_cast<uintptr_t>(scratch) + 63) & ~uintptr_t(63));
}

}  // namespace edgewm
