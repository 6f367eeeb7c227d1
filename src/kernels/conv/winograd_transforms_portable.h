#pragma once
// Winograd F(2x2, 3x3) input and output transforms for one channel, written as loops over
// tiles along x with unit-stride inner loops, so each ISA's file (x86/winograd_avx2.cc,
// arm/winograd_neon.cc) compiles them to its vectors. Included only by those files (AVX-512 has
// its own intrinsics, x86/winograd_avx512.cc).
// Everything here has internal linkage and uses no std:: templates: an inline or template
// function emitted by two files with different ISA flags is one symbol to the linker, which
// could hand the AVX-512 copy to portable code.
#include <cstdint>
#include <cstring>

#include "kernels/conv/winograd_transforms.h"

namespace edgewm::winograd_detail {
namespace {

constexpr int64_t kChunk = 64;  // tiles along x per pass (stack buffers)

int64_t min_of(int64_t a, int64_t b) { return a < b ? a : b; }
int64_t clamp_to(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }
void zero(float* p, int64_t n) {
  for (int64_t i = 0; i < n; ++i) p[i] = 0.f;
}

// V[xi][tile] for one input channel xc (h x w), tile rows [ty0, ty1), tiles numbered from ty0;
// xi = 4 * row combination + column combination of B^T d B, B^T = [1 0 -1 0; 0 1 1 0;
// 0 -1 1 0; 0 1 0 -1]. Columns from the last tile up to `ld` are zeroed (panel padding).
void input_rows(const float* xc, const WinogradShape& s, int64_t ty0, int64_t ty1, float* v, int64_t plane,
                int64_t ld) {
  float row[4][2 * kChunk + 2];
  float t[4][4][kChunk];
  const int64_t used = (ty1 - ty0) * s.tw;
  for (int xi = 0; xi < 16; ++xi) zero(v + xi * plane + used, ld - used);
  for (int64_t ty = ty0; ty < ty1; ++ty) {
    for (int64_t tx0 = 0; tx0 < s.tw; tx0 += kChunk) {
      const int64_t n = min_of(kChunk, s.tw - tx0);
      const int64_t x_begin = 2 * tx0 - s.pad_l, width = 2 * n + 2;
      for (int r = 0; r < 4; ++r) {
        float* pr = row[r];
        const int64_t y = 2 * ty - s.pad_t + r;
        if (y < 0 || y >= s.h) {
          zero(pr, width);
        } else {
          const int64_t lo = clamp_to(-x_begin, 0, width), hi = clamp_to(s.w - x_begin, lo, width);
          zero(pr, lo);
          std::memcpy(pr + lo, xc + y * s.w + x_begin + lo, static_cast<size_t>(hi - lo) * sizeof(float));
          zero(pr + hi, width - hi);
        }
        for (int64_t i = 0; i < n; ++i) {
          const float d0 = pr[2 * i], d1 = pr[2 * i + 1], d2 = pr[2 * i + 2], d3 = pr[2 * i + 3];
          t[r][0][i] = d0 - d2;
          t[r][1][i] = d1 + d2;
          t[r][2][i] = d2 - d1;
          t[r][3][i] = d1 - d3;
        }
      }
      float* out = v + (ty - ty0) * s.tw + tx0;
      for (int k = 0; k < 4; ++k) {
        float* o0 = out + (0 + k) * plane;
        float* o1 = out + (4 + k) * plane;
        float* o2 = out + (8 + k) * plane;
        float* o3 = out + (12 + k) * plane;
        for (int64_t i = 0; i < n; ++i) {
          o0[i] = t[0][k][i] - t[2][k][i];
          o1[i] = t[1][k][i] + t[2][k][i];
          o2[i] = t[2][k][i] - t[1][k][i];
          o3[i] = t[1][k][i] - t[3][k][i];
        }
      }
    }
  }
}

// y = A^T M A + bias for one output channel and tile rows [ty0, ty1), A^T = [1 1 1 0;
// 0 1 -1 -1]; m points at this channel's tiles (numbered from ty0) in plane 0 (plane stride
// `plane`); odd output edges are cropped. z (optional, y's layout) is added (edgewm.FusedConv).
void output_rows(const float* m, float bias, const WinogradShape& s, int64_t ty0, int64_t ty1, float* y,
                 const float* z, int64_t plane) {
  float sr[2][4][kChunk];
  float out[2][kChunk];
  for (int64_t ty = ty0; ty < ty1; ++ty) {
    for (int64_t tx0 = 0; tx0 < s.tw; tx0 += kChunk) {
      const int64_t n = min_of(kChunk, s.tw - tx0);
      const float* p = m + (ty - ty0) * s.tw + tx0;
      for (int k = 0; k < 4; ++k) {
        const float *m0 = p + k * plane, *m1 = p + (4 + k) * plane, *m2 = p + (8 + k) * plane,
                    *m3 = p + (12 + k) * plane;
        for (int64_t i = 0; i < n; ++i) {
          sr[0][k][i] = m0[i] + m1[i] + m2[i];
          sr[1][k][i] = m1[i] - m2[i] - m3[i];
        }
      }
      for (int r = 0; r < 2; ++r) {
        const int64_t oy = 2 * ty + r;
        if (oy >= s.oh) break;
        for (int64_t i = 0; i < n; ++i) {
          out[0][i] = sr[r][0][i] + sr[r][1][i] + sr[r][2][i] + bias;
          out[1][i] = sr[r][1][i] - sr[r][2][i] - sr[r][3][i] + bias;
        }
        float* row = y + oy * s.ow + 2 * tx0;
        const int64_t cols = min_of(2 * n, s.ow - 2 * tx0);
        const int64_t pairs = cols / 2;
        if (z) {
          const float* zr = z + oy * s.ow + 2 * tx0;
          for (int64_t i = 0; i < pairs; ++i) {
            row[2 * i] = out[0][i] + zr[2 * i];
            row[2 * i + 1] = out[1][i] + zr[2 * i + 1];
          }
          if (cols % 2) row[cols - 1] = out[0][pairs] + zr[cols - 1];
        } else {
          for (int64_t i = 0; i < pairs; ++i) {
            row[2 * i] = out[0][i];
            row[2 * i + 1] = out[1][i];
          }
          if (cols % 2) row[cols - 1] = out[0][pairs];
        }
      }
    }
  }
}

}  // namespace
}  // namespace edgewm::winograd_detail
