#pragma once
// The blocked integer GEMM the INT8 kernels run on (QLinearConv, QLinearMatMul): C = A * B in
// int32 over (batch, row block, column block) items that up to kGemmSlots workers pull from a
// shared counter, K in blocks, each item's C tile in the worker's scratch until its last K
// block is in, then requantised by the caller's epilogue straight into the u8/s8 output (the
// tile is still in L1/L2). Both operands come through callbacks: A rows from prepared weights
// or converted into the slot's buffer, B packed into the micro-kernel's panels (im2col for
// Conv). Never allocates: qgemm_scratch_bytes() of scratch.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

#include "edgewm/error.h"
#include "edgewm/thread_pool.h"
#include "kernels/gemm/gemm_blocked.h"
#include "kernels/gemm/qgemm_micro.h"
#include "kernels/scratch.h"

namespace edgewm {

inline constexpr int64_t kQGemmNC = 128;                // columns of a packed block (a multiple of every nr_max)
inline constexpr int64_t kQGemmMC = 128;                // rows of an item's C tile at most
inline constexpr int64_t kQGemmPanelBytes = 64 << 10;   // one packed block of B

inline int64_t qgemm_elem_bytes(QOperands k) { return k == QOperands::kS16 ? 2 : 1; }
// K block depth for the operand kind: a multiple of both k_groups.
inline int64_t qgemm_kc(QOperands k) { return kQGemmPanelBytes / (kQGemmNC * qgemm_elem_bytes(k)); }
// Per slot: the B block, the packer's own block (a raw im2col), the C tile, a converted A block.
inline size_t qgemm_slot_bytes(QOperands k) {
  const int64_t es = qgemm_elem_bytes(k);
  return static_cast<size_t>(2 * kQGemmPanelBytes + kQGemmMC * kQGemmNC * 4 + kQGemmMC * qgemm_kc(k) * es + 128);
}
inline size_t qgemm_scratch_bytes(QOperands k) { return kGemmSlots * qgemm_slot_bytes(k) + 64; }

// a_block(b, i0, mc, k0, kc, buf) -> {rows of A[i0:i0+mc, k0:k0+kc], byte row stride}, pointing
//   into prepared data or into buf (room for kQGemmMC x kc elements);
// pack(b, k0, kc, j0, nc, dst, tmp) -> panels: B[k0:k0+kc, j0:j0+nc] as ceil(nc / nr_max)
//   panels back to back (each [kc / k_group][nr_max][k_group], columns past nc zero), written
//   into dst, or pointing into weights packed so beforehand; tmp is kQGemmPanelBytes of room;
// epi(b, c, ldc, i0, mc, j0, nc): the finished int32 tile C[i0:i0+mc, j0:j0+nc].
// Kp is K padded to the micro-kernel's k_group (the callbacks pad with zeros).
template <class ABlock, class Pack, class Epi>
void qgemm_run(ThreadPool* pool, void* scratch, size_t scratch_bytes, const QGemmMicro& u, int64_t batches,
               int64_t M, int64_t N, int64_t Kp, const ABlock& a_block, const Pack& pack, const Epi& epi) {
  if (batches <= 0 || M <= 0 || N <= 0) return;
  if (scratch_bytes < qgemm_scratch_bytes(u.operands))
    throw Error(ErrorKind::kInternal, std::string(u.name) + ": scratch of " + std::to_string(scratch_bytes) + " bytes is too small");
  const int64_t es = qgemm_elem_bytes(u.operands), kc_max = qgemm_kc(u.operands);
  const int64_t nblocks = (N + kQGemmNC - 1) / kQGemmNC;
  const int threads = pool ? pool->size() : 1;
  // Row blocks as large as the tile allows, split further only to give every worker items.
  int64_t mc = std::min<int64_t>(M, kQGemmMC);
  const int64_t want = threads == 1 ? 1 : 2 * std::min(threads, kGemmSlots);
  while (mc > 16 && batches * nblocks * ((M + mc - 1) / mc) < want) mc = (mc + 1) / 2;
  mc = (mc + u.mr_max - 1) / u.mr_max * u.mr_max;
  const int64_t mblocks = (M + mc - 1) / mc;
  const int64_t items = batches * mblocks * nblocks;
  const int slots = static_cast<int>(std::min<int64_t>({kGemmSlots, items, threads}));
  std::atomic<int64_t> next{0};
  auto work = [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s) {
      char* base = scratch_aligned<char>(scratch) + s * static_cast<int64_t>(qgemm_slot_bytes(u.operands));
      void* panel = base;
      void* tmp = base + kQGemmPanelBytes;
      int32_t* c = reinterpret_cast<int32_t*>(base + 2 * kQGemmPanelBytes);
      void* abuf = base + 2 * kQGemmPanelBytes + kQGemmMC * kQGemmNC * 4;
      for (int64_t item; (item = next.fetch_add(1)) < items;) {
        const int64_t nb = item % nblocks, mb = (item / nblocks) % mblocks, b = item / (nblocks * mblocks);
        const int64_t j0 = nb * kQGemmNC, nc = std::min(kQGemmNC, N - j0);
        const int64_t i0 = mb * mc, rows = std::min(mc, M - i0);
        if (Kp == 0)  // an empty sum (no input channels): the epilogue sees zeros
          for (int64_t i = 0; i < rows; ++i) std::fill(c + i * kQGemmNC, c + i * kQGemmNC + nc, 0);
        for (int64_t k0 = 0; k0 < Kp; k0 += kc_max) {
          const int64_t kc = std::min(kc_max, Kp - k0);
          const void* panels = pack(b, k0, kc, j0, nc, panel, tmp);
          const std::pair<const void*, int64_t> a = a_block(b, i0, rows, k0, kc, abuf);
          for (int64_t i = 0; i < rows; i += u.mr_max) {
            const int mr = static_cast<int>(std::min<int64_t>(u.mr_max, rows - i));
            const char* ai = static_cast<const char*>(a.first) + i * a.second;
            for (int64_t j = 0; j < nc; j += u.nr_max) {
              const int nr = static_cast<int>(std::min<int64_t>(u.nr_max, nc - j));
              const char* p = static_cast<const char*>(panels) + (j / u.nr_max) * kc * u.nr_max * es;
              u.fn(kc, ai, a.second, mr, p, c + i * kQGemmNC + j, kQGemmNC, nr, k0 > 0);
            }
          }
        }
        epi(b, static_cast<const int32_t*>(c), kQGemmNC, i0, rows, j0, nc);
      }
    }
  };
  if (pool && slots > 1) pool->parallel_for(slots, 1, [&](int64_t b, int64_t e) { work(b, e); });
  else work(0, 1);
}

// Interleaves a row-major block src[kc][nc] (row stride lds, elements of T) into the panels
// pack() must write, converting each element with f(value, column) (zero-point subtraction,
// sign flips); rows past kc (up to kcp, a k_group multiple) and columns past nc are zero.
template <class T, class Out, class F>
inline void qgemm_interleave(const T* src, int64_t lds, int64_t kc, int64_t kcp, int64_t nc, int nr, int kg, Out* dst,
                             F f) {
  for (int64_t j0 = 0; j0 < nc; j0 += nr) {
    Out* panel = dst + (j0 / nr) * kcp * nr;
    const int64_t w = std::min<int64_t>(nr, nc - j0);
    for (int64_t k = 0; k < kcp; k += kg) {
      Out* g = panel + (k / kg) * nr * kg;
      for (int64_t j = 0; j < nr; ++j)
        for (int q = 0; q < kg; ++q)
          g[j * kg + q] = (j < w && k + q < kc) ? f(src[(k + q) * lds + j0 + j], j0 + j) : Out(0);
    }
  }
}

}  // namespace edgewm
