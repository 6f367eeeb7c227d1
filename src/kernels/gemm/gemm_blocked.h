#pragma once
// The blocked GEMM every GEMM-shaped fast kernel runs on (Conv's im2col, ConvTranspose's
// col2im, Gemm, MatMul, Einsum, edgewm.UpsampleConv): blocking, B packing and the split over
// threads, around an ISA's micro-kernel (gemm_micro.h) or, without one, a portable C++ tile.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "edgewm/error.h"
#include "edgewm/thread_pool.h"
#include "edgewm/dtype.h"
#include "kernels/gemm/gemm_micro.h"
#include "kernels/scratch.h"

namespace edgewm {

// C[b] += alpha * A[b] * B[b] for b in [0, batches): A is M x K addressed through row/column
// strides (so transposed operands need no copy), B is produced block by block by a packer
// (a plain strided matrix for MatMul, im2col straight from the image for Conv), C is row-major
// with row stride ldc. The work is split into (batch, row block, column block) items that
// `kGemmSlots` workers pull from a shared counter; each worker packs B blocks into its own
// slice of the scratch, so the kernel needs gemm_scratch_bytes() of scratch and never allocates.

inline constexpr int64_t kGemmKC = 256;  // depth of a packed B block
inline constexpr int64_t kGemmNC = 256;  // width of a packed B block
inline constexpr int64_t kGemmMC = 64;   // smallest row block when rows are split for parallelism
inline constexpr int kGemmSlots = 8;     // workers (and packed blocks) at most
inline constexpr int64_t kGemmPanelBytes = 512 << 10;  // deepest panel a lone worker packs

template <class T> struct GemmTile {
  static constexpr int MR = 6;
  static constexpr int NR = sizeof(T) >= 8 ? 4 : 16;
};

template <class T> constexpr int64_t gemm_panel_ld(int64_t N) {
  constexpr int NR = GemmTile<T>::NR;
  int64_t nc = std::min<int64_t>(std::max<int64_t>(N, 1), kGemmNC);
  return (nc + NR - 1) / NR * NR;
}
template <class T> constexpr int64_t gemm_panel_elems(int64_t N, int64_t K) {
  return std::min<int64_t>(std::max<int64_t>(K, 1), kGemmKC) * gemm_panel_ld<T>(N);
}
template <class T> constexpr size_t gemm_scratch_bytes(int64_t N, int64_t K) {
  return static_cast<size_t>(kGemmSlots * gemm_panel_elems<T>(N, K)) * sizeof(T) + 64;
}

// Scratch for gemm_run on elements of `t` (the tile sizes depend only on the element size).
inline size_t gemm_scratch_for(DType t, int64_t N, int64_t K) {
  return dtype_size(t) >= 8 ? gemm_scratch_bytes<double>(N, K) : gemm_scratch_bytes<float>(N, K);
}

// mr x nr block of C (mr <= MR, nr <= NR) += alpha * A[mr x kc] * P[kc x nr]; P is a packed
// panel with row stride ldp whose columns past nr are zero. Rows past mr recompute the last
// valid row (their result is discarded), so the loop body is always the full MR x NR tile.
template <class T, int MR, int NR>
inline void gemm_micro(int64_t kc, const T* a, int64_t a_rs, int64_t a_cs, int mr, const T* p, int64_t ldp, T* c,
                       int64_t ldc, int nr, T alpha) {
  T acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NR; ++j) acc[r][j] = T(0);
  const T* ar[MR];
  for (int r = 0; r < MR; ++r) ar[r] = a + (r < mr ? r : mr - 1) * a_rs;
  for (int64_t k = 0; k < kc; ++k) {
    const T* pk = p + k * ldp;
    for (int r = 0; r < MR; ++r) {
      const T av = ar[r][k * a_cs];
      for (int j = 0; j < NR; ++j) acc[r][j] += av * pk[j];
    }
  }
  if (mr == MR && nr == NR) {
    for (int r = 0; r < MR; ++r)
      for (int j = 0; j < NR; ++j) c[r * ldc + j] += alpha * acc[r][j];
  } else {
    for (int r = 0; r < mr; ++r)
      for (int j = 0; j < nr; ++j) c[r * ldc + j] += alpha * acc[r][j];
  }
}

// Packer for a plain strided B: B[k][j] = b[k * rs + j * cs].
template <class T> struct StridedPacker {
  const T* b;  // batch 0
  int64_t batch_stride, rs, cs;
  void operator()(int64_t batch, int64_t k0, int64_t kc, int64_t j0, int64_t nc, T* dst, int64_t ldp) const {
    const T* base = b + batch * batch_stride;
    if (rs == 1 && cs != 1) {  // B transposed (attention's probabilities): 16x16 tiles, both sides in cache lines
      constexpr int64_t kT = 16;
      for (int64_t kt = 0; kt < kc; kt += kT)
        for (int64_t jt = 0; jt < nc; jt += kT) {
          const int64_t kn = std::min(kT, kc - kt), jn = std::min(kT, nc - jt);
          for (int64_t j = 0; j < jn; ++j) {
            const T* src = base + (j0 + jt + j) * cs + k0 + kt;
            for (int64_t k = 0; k < kn; ++k) dst[(kt + k) * ldp + jt + j] = src[k];
          }
        }
      for (int64_t k = 0; k < kc; ++k)
        for (int64_t j = nc; j < ldp; ++j) dst[k * ldp + j] = T(0);
      return;
    }
    for (int64_t k = 0; k < kc; ++k) {
      const T* src = base + (k0 + k) * rs + j0 * cs;
      T* d = dst + k * ldp;
      if (cs == 1) {
        std::memcpy(d, src, static_cast<size_t>(nc) * sizeof(T));
      } else {
        for (int64_t j = 0; j < nc; ++j) d[j] = src[j * cs];
      }
      for (int64_t j = nc; j < ldp; ++j) d[j] = T(0);
    }
  }
};

// AOf(b) -> const T* (A of batch b), COf(b) -> T* (C of batch b),
// Pack(b, k0, kc, j0, nc, dst, ldp) writes B[k0:k0+kc, j0:j0+nc] row-major into dst and zeroes
// columns nc..ldp.
// No epilogue (see gemm_run).
struct NoEpilogue {
  template <class T> void operator()(T*, int64_t, int64_t, int64_t) const {}
};

// epi(c, rows, ldc, nc) runs on each block of C once its last K block is in (still in cache):
// edgewm.FusedConv's activation.
template <class T, class AOf, class COf, class Pack, class Epi = NoEpilogue>
void gemm_run(ThreadPool* pool, void* scratch, size_t scratch_bytes, int64_t batches, int64_t M, int64_t N,
              int64_t K, int64_t a_rs, int64_t a_cs, AOf a_of, int64_t ldc, COf c_of, T alpha, const Pack& pack,
              const GemmMicroF32* micro = nullptr, const Epi& epi = Epi{}) {
  if (batches <= 0 || M <= 0 || N <= 0 || K <= 0) return;
  constexpr int NR = GemmTile<T>::NR;
  const int MR = std::is_same_v<T, float> && micro ? micro->mr_max : GemmTile<T>::MR;  // rows per kernel call
  const int64_t ldp = gemm_panel_ld<T>(N);
  const int64_t panel = gemm_panel_elems<T>(N, K);
  T* panels = scratch_aligned<T>(scratch);
  if (scratch_bytes < gemm_scratch_bytes<T>(N, K))
    throw Error(ErrorKind::kInternal, "gemm: scratch of " + std::to_string(scratch_bytes) + " bytes is too small");
  const int64_t nblocks = (N + kGemmNC - 1) / kGemmNC;
  // Split rows only as far as needed to give every worker something to do: each row block
  // packs its own copy of the B panels, so on one thread the panel is packed once and reused
  // by all M rows (packing im2col costs about as much as 64 rows of FMAs).
  const int threads = pool ? pool->size() : 1;
  const int64_t want_items = threads == 1 ? 1 : 2 * std::min(threads, kGemmSlots);
  int64_t mchunks = std::max<int64_t>(1, (want_items + batches * nblocks - 1) / (batches * nblocks));
  mchunks = std::min<int64_t>(mchunks, (M + kGemmMC - 1) / kGemmMC);
  int64_t mrows = (M + mchunks - 1) / mchunks;
  mrows = (mrows + MR - 1) / MR * MR;
  mchunks = (M + mrows - 1) / mrows;
  // C[i0:i1, j0:j0+nc] += alpha * A[i0:i1, k0:k0+kc] * (packed panel).
  auto compute_rows = [&](const T* a, T* c, int64_t k0, int64_t kc, int64_t j0, int64_t nc, const T* pbuf, int64_t i0,
                          int64_t i1) {
    for (int64_t i = i0; i < i1; i += MR) {
      const int mr = static_cast<int>(std::min<int64_t>(MR, i1 - i));
      const T* ai = a + i * a_rs + k0 * a_cs;
      if constexpr (std::is_same_v<T, float>) {
        if (micro) {
          for (int64_t j = 0; j < nc; j += micro->nr_max) {
            const int nr = static_cast<int>(std::min<int64_t>(micro->nr_max, nc - j));
            micro->fn(kc, ai, a_rs, a_cs, mr, pbuf + j, ldp, c + i * ldc + j0 + j, ldc, nr, alpha);
          }
          continue;
        }
      }
      for (int64_t j = 0; j < nc; j += NR) {
        const int nr = static_cast<int>(std::min<int64_t>(NR, nc - j));
        gemm_micro<T, GemmTile<T>::MR, NR>(kc, ai, a_rs, a_cs, mr, pbuf + j, ldp, c + i * ldc + j0 + j, ldc, nr, alpha);
      }
    }
  };
  // Fewer column blocks than threads (small images, deep K): splitting rows would make every
  // thread repack the same panel, so the threads pack it once together, then share it. The
  // shared panel takes every slot's scratch, so it is kGemmSlots times deeper: fewer of the
  // pack/compute hand-overs, which cost as much as the packing on 8x8 images.
  if (pool && threads > 1 && batches * nblocks < threads && M >= 2 * MR) {
    T* pbuf = panels;
    const int64_t row_tiles = (M + MR - 1) / MR;
    const int64_t kc_max = kGemmSlots * (panel / ldp);
    for (int64_t b = 0; b < batches; ++b) {
      const T* a = a_of(b);
      T* c = c_of(b);
      for (int64_t nb = 0; nb < nblocks; ++nb) {
        const int64_t j0 = nb * kGemmNC, nc = std::min(kGemmNC, N - j0);
        for (int64_t k0 = 0; k0 < K; k0 += kc_max) {
          const int64_t kc = std::min(kc_max, K - k0);
          pool->parallel_for(kc, 8, [&](int64_t r0, int64_t r1) { pack(b, k0 + r0, r1 - r0, j0, nc, pbuf + r0 * ldp, ldp); });
          pool->parallel_for(row_tiles, 1, [&](int64_t t0, int64_t t1) {
            const int64_t i0 = t0 * MR, i1 = std::min(M, t1 * MR);
            compute_rows(a, c, k0, kc, j0, nc, pbuf, i0, i1);
            if (k0 + kc >= K) epi(c + i0 * ldc + j0, i1 - i0, ldc, nc);
          });
        }
      }
    }
    return;
  }
  const int64_t items = batches * mchunks * nblocks;
  const int slots = static_cast<int>(std::min<int64_t>(kGemmSlots, items));
  std::atomic<int64_t> next{0};
  // Fewer workers than slots: each takes the scratch of several and packs deeper panels (fewer
  // passes over C), as long as a panel stays well inside L2.
  const int64_t spread = kGemmSlots / slots;
  const int64_t kc_max = std::max(panel / ldp, std::min(spread * (panel / ldp),
                                                          kGemmPanelBytes / (ldp * static_cast<int64_t>(sizeof(T)))));
  auto work = [&](int64_t s_begin, int64_t s_end) {
    for (int64_t s = s_begin; s < s_end; ++s) {
      T* pbuf = panels + s * spread * panel;
      for (int64_t item; (item = next.fetch_add(1)) < items;) {
        const int64_t nb = item % nblocks, mc = (item / nblocks) % mchunks, b = item / (nblocks * mchunks);
        const int64_t j0 = nb * kGemmNC, nc = std::min(kGemmNC, N - j0);
        const int64_t i0 = mc * mrows, i1 = std::min(M, i0 + mrows);
        const T* a = a_of(b);
        T* c = c_of(b);
        for (int64_t k0 = 0; k0 < K; k0 += kc_max) {
          const int64_t kc = std::min(kc_max, K - k0);
          pack(b, k0, kc, j0, nc, pbuf, ldp);
          compute_rows(a, c, k0, kc, j0, nc, pbuf, i0, i1);
        }
        epi(c + i0 * ldc + j0, i1 - i0, ldc, nc);
      }
    }
  };
  if (pool && slots > 1) {
    // (ThreadPool::parallel_for takes its functor by forwarding reference but cannot take an lvalue.)
    pool->parallel_for(slots, 1, [&](int64_t b, int64_t e) { work(b, e); });
  } else {
    work(0, 1);
  }
}

}  // namespace edgewm
