#pragma once
// Numpy-style broadcasting for reference kernels. Dims are coalesced first (adjacent dims that
// every operand treats alike merge), so the common cases — same shape, scalar operand,
// per-channel [N,C,H,W] with [1,C,1,1] — run as long contiguous inner loops.
#include <array>
#include <cstdint>

#include "edgewm/shape.h"

namespace edgewm::ref {

template <int N> struct BroadcastPlan {
  int rank = 0;                                                     // after coalescing, >= 1
  std::array<int64_t, Shape::kMaxRank> dims{};                      // output dims
  std::array<std::array<int64_t, Shape::kMaxRank>, N> strides{};    // element strides per operand, 0 = broadcast
};

// `in` are the operand shapes (each broadcastable to `out`, checked by inference).
template <int N> BroadcastPlan<N> plan_broadcast(const Shape& out, const std::array<const Shape*, N>& in) {
  const int r = out.rank();
  // Per-dim strides before coalescing.
  std::array<std::array<int64_t, Shape::kMaxRank>, N> st{};
  for (int k = 0; k < N; ++k) {
    int64_t s = 1;
    for (int d = r - 1; d >= 0; --d) {
      int id = d - (r - in[k]->rank());
      int64_t size = id >= 0 ? (*in[k])[id] : 1;
      st[k][d] = (size == 1 && out[d] != 1) ? 0 : s;
      s *= size;
    }
  }
  BroadcastPlan<N> p;
  for (int d = 0; d < r; ++d) {
    if (out[d] == 1) continue;  // size-1 dims add nothing
    if (p.rank > 0) {
      // Merge with the previous kept dim when every operand is contiguous across both.
      bool merge = true;
      int q = p.rank - 1;
      for (int k = 0; k < N && merge; ++k)
        merge = p.strides[k][q] == st[k][d] * out[d] || (p.strides[k][q] == 0 && st[k][d] == 0);
      if (merge) {
        p.dims[q] *= out[d];
        for (int k = 0; k < N; ++k) p.strides[k][q] = st[k][d];
        continue;
      }
    }
    p.dims[p.rank] = out[d];
    for (int k = 0; k < N; ++k) p.strides[k][p.rank] = st[k][d];
    ++p.rank;
  }
  if (p.rank == 0) {  // scalar or all-ones shape
    p.rank = 1;
    p.dims[0] = 1;
    for (int k = 0; k < N; ++k) p.strides[k][0] = 1;
  }
  return p;
}

// Calls inner(offsets, n, inner_strides) for each contiguous run of the innermost dim, where
// offsets are the operands' starting element offsets and the output offset is implicit
// (runs are visited in output order).
template <int N, class F> void for_each_run(const BroadcastPlan<N>& p, F&& inner) {
  const int r = p.rank;
  std::array<int64_t, Shape::kMaxRank> idx{};
  std::array<int64_t, N> off{};
  std::array<int64_t, N> inner_stride{};
  for (int k = 0; k < N; ++k) inner_stride[k] = p.strides[k][r - 1];
  int64_t outer = 1;
  for (int d = 0; d < r - 1; ++d) outer *= p.dims[d];
  int64_t out_off = 0;
  for (int64_t o = 0; o < outer; ++o) {
    inner(off, out_off, p.dims[r - 1], inner_stride);
    out_off += p.dims[r - 1];
    for (int d = r - 2; d >= 0; --d) {  // odometer over outer dims
      ++idx[d];
      for (int k = 0; k < N; ++k) off[k] += p.strides[k][d];
      if (idx[d] < p.dims[d]) break;
      for (int k = 0; k < N; ++k) off[k] -= p.strides[k][d] * p.dims[d];
      idx[d] = 0;
    }
  }
}

}  // namespace edgewm::ref
