#pragma once
// Per-ISA Winograd F(2x2, 3x3) transforms (see kernels/conv_winograd.h), reached through
// function pointers so vector code of one ISA cannot leak into portable paths.
#include <cstdint>

#include "kernels/cpu_features.h"

namespace edgewm {

struct WinogradShape {
  int64_t h = 0, w = 0, oh = 0, ow = 0, pad_t = 0, pad_l = 0, th = 0, tw = 0;
};

struct WinogradTransforms {
  // Tile rows [ty0, ty1) of one input channel (h x w) -> 16 planes (stride `plane`) of its
  // tiles, zero-padded to `ld` columns.
  void (*input_rows)(const float* xc, const WinogradShape& s, int64_t ty0, int64_t ty1, float* v, int64_t plane,
                     int64_t ld);
  // One output channel's 16 planes of tiles in rows [ty0, ty1) -> those output rows, plus bias
  // and, when z is not null, z (the output channel's addend plane, same layout as y).
  void (*output_rows)(const float* m, float bias, const WinogradShape& s, int64_t ty0, int64_t ty1, float* y,
                      const float* z, int64_t plane);
};

// Null for an ISA this build or CPU lacks.
const WinogradTransforms* winograd_transforms(Isa isa);
const WinogradTransforms* winograd_transforms_avx2();    // portable loops, AVX2 flags
const WinogradTransforms* winograd_transforms_avx512();  // intrinsics
const WinogradTransforms* winograd_transforms_neon();    // portable loops (AArch64 builds only)

}  // namespace edgewm
