#pragma once
// Per-ISA Winograd F(2x2, 3x3) transforms (see kernels/conv/conv_winograd.h), reached through the
// ISA tables (kernels/isa_table.h) so vector code of one ISA cannot leak into portable paths.
#include <cstdint>


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

// avx2: portable loops, AVX2 flags.
void winograd_f23_input_rows__avx2(const float* xc, const WinogradShape& s, int64_t ty0, int64_t ty1, float* v,
                              int64_t plane, int64_t ld);
void winograd_f23_output_rows__avx2(const float* m, float bias, const WinogradShape& s, int64_t ty0, int64_t ty1,
                               float* y, const float* z, int64_t plane);
// avx512: intrinsics.
void winograd_f23_input_rows__avx512(const float* xc, const WinogradShape& s, int64_t ty0, int64_t ty1, float* v,
                              int64_t plane, int64_t ld);
void winograd_f23_output_rows__avx512(const float* m, float bias, const WinogradShape& s, int64_t ty0, int64_t ty1,
                               float* y, const float* z, int64_t plane);
// neon: portable loops (AArch64 builds only).
void winograd_f23_input_rows__neon(const float* xc, const WinogradShape& s, int64_t ty0, int64_t ty1, float* v,
                              int64_t plane, int64_t ld);
void winograd_f23_output_rows__neon(const float* m, float bias, const WinogradShape& s, int64_t ty0, int64_t ty1,
                               float* y, const float* z, int64_t plane);

}  // namespace edgewm
