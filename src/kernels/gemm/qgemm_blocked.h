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
#include <cstring>
#include <cstdint>
#include <string>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
// With shared_k (a packed B's depth, Kp), also room for one column block's panels over all of
// K, packed once and shared by every row block (the packing costs as much as 64 rows of
// multiply-adds: a 256-channel layer in 4 row blocks packed its panels 4 times).
inline size_t qgemm_shared_bytes(QOperands k, int64_t shared_k) {
  return static_cast<size_t>(shared_k * kQGemmNC * qgemm_elem_bytes(k) + 64);
}
inline size_t qgemm_scratch_bytes(QOperands k, int64_t shared_k = 0) {
  return kGemmSlots * qgemm_slot_bytes(k) + 64 + (shared_k > 0 ? qgemm_shared_bytes(k, shared_k) : 0);
}

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
  // Rounded up past the C tile (128 rows of a 6-row kernel became 132): round down instead.
  if (mc > kQGemmMC) mc = kQGemmMC / u.mr_max * u.mr_max;
  const int64_t mblocks = (M + mc - 1) / mc;
  const int64_t items = batches * mblocks * nblocks;
  const int slots = static_cast<int>(std::min<int64_t>({kGemmSlots, items, threads}));
  const int64_t slot_bytes = static_cast<int64_t>(qgemm_slot_bytes(u.operands));
  struct Slot {
    void* panel;
    void* tmp;
    int32_t* c;
    void* abuf;
  };
  auto slot = [&](int64_t s) {
    char* base = scratch_aligned<char>(scratch) + s * slot_bytes;
    return Slot{base, base + kQGemmPanelBytes, reinterpret_cast<int32_t*>(base + 2 * kQGemmPanelBytes),
                base + 2 * kQGemmPanelBytes + kQGemmMC * kQGemmNC * 4};
  };
  // C[i0:i0+rows, j0:j0+nc] over all of K from panels(k0, kc), then the epilogue.
  auto compute = [&](const Slot& sl, int64_t b, int64_t i0, int64_t rows, int64_t j0, int64_t nc, auto&& panels_at) {
    int32_t* c = sl.c;
    if (Kp == 0)  // an empty sum (no input channels): the epilogue sees zeros
      for (int64_t i = 0; i < rows; ++i) std::fill(c + i * kQGemmNC, c + i * kQGemmNC + nc, 0);
    for (int64_t k0 = 0; k0 < Kp; k0 += kc_max) {
      const int64_t kc = std::min(kc_max, Kp - k0);
      const void* panels = panels_at(k0, kc);
      const std::pair<const void*, int64_t> a = a_block(b, i0, rows, k0, kc, sl.abuf);
      for (int64_t i = 0; i < rows; i += u.mr_max) {
        const int mr = static_cast<int>(std::min<int64_t>(u.mr_max, rows - i));
        const char* ai = static_cast<const char*>(a.first) + i * a.second;
        // The next row tile's A while this one multiplies: prepared weights (a model's outgrow
        // the L2) in mr rows a stride apart, streams the hardware prefetcher finds late.
        if (i + u.mr_max < rows) {
          const int nmr = static_cast<int>(std::min<int64_t>(u.mr_max, rows - i - u.mr_max));
          for (int r = 0; r < nmr; ++r)
            for (int64_t off = 0; off < kc * es; off += 64) __builtin_prefetch(ai + (u.mr_max + r) * a.second + off);
        }
        for (int64_t j = 0; j < nc; j += u.nr_max) {
          const int nr = static_cast<int>(std::min<int64_t>(u.nr_max, nc - j));
          const char* p = static_cast<const char*>(panels) + (j / u.nr_max) * kc * u.nr_max * es;
          u.fn(kc, ai, a.second, mr, p, c + i * kQGemmNC + j, kQGemmNC, nr, k0 > 0);
        }
      }
    }
    epi(b, static_cast<const int32_t*>(c), kQGemmNC, i0, rows, j0, nc);
  };
  auto run_slots = [&](int n, auto&& body) {
    if (pool && n > 1) pool->parallel_for(n, 1, [&](int64_t s0, int64_t s1) {
      for (int64_t s = s0; s < s1; ++s) body(s);
    });
    else body(0);
  };
  if (mblocks > 1 && scratch_bytes >= qgemm_scratch_bytes(u.operands, Kp)) {
    // Each column block's panels over all of K packed once (K blocks in parallel), then shared
    // by the row blocks (in parallel).
    char* shared = scratch_aligned<char>(scratch) + kGemmSlots * slot_bytes;
    shared = scratch_aligned<char>(shared);
    const int64_t kblocks = (Kp + kc_max - 1) / kc_max;
    for (int64_t b = 0; b < batches; ++b)
      for (int64_t nb = 0; nb < nblocks; ++nb) {
        const int64_t j0 = nb * kQGemmNC, nc = std::min(kQGemmNC, N - j0);
        const int64_t ncp = (nc + u.nr_max - 1) / u.nr_max * u.nr_max;
        std::atomic<int64_t> next_k{0};
        run_slots(static_cast<int>(std::min<int64_t>({kGemmSlots, kblocks, threads})), [&](int64_t s) {
          const Slot sl = slot(s);
          for (int64_t kb; (kb = next_k.fetch_add(1)) < kblocks;) {
            const int64_t k0 = kb * kc_max, kc = std::min(kc_max, Kp - k0);
            char* dst = shared + k0 * ncp * es;
            const void* p = pack(b, k0, kc, j0, nc, dst, sl.tmp);
            if (p != dst) std::memcpy(dst, p, static_cast<size_t>(kc * ncp * es));
          }
        });
        std::atomic<int64_t> next_m{0};
        run_slots(static_cast<int>(std::min<int64_t>({kGemmSlots, mblocks, threads})), [&](int64_t s) {
          const Slot sl = slot(s);
          for (int64_t mb; (mb = next_m.fetch_add(1)) < mblocks;)
            compute(sl, b, mb * mc, std::min(mc, M - mb * mc), j0, nc,
                    [&](int64_t k0, int64_t) -> const void* { return shared + k0 * ncp * es; });
        });
      }
    return;
  }
  std::atomic<int64_t> next{0};
  run_slots(slots, [&](int64_t s) {
    const Slot sl = slot(s);
    for (int64_t item; (item = next.fetch_add(1)) < items;) {
      const int64_t nb = item % nblocks, mb = (item / nblocks) % mblocks, b = item / (nblocks * mblocks);
      const int64_t j0 = nb * kQGemmNC, nc = std::min(kQGemmNC, N - j0);
      compute(sl, b, mb * mc, std::min(mc, M - mb * mc), j0, nc,
              [&](int64_t k0, int64_t kc) { return pack(b, k0, kc, j0, nc, sl.panel, sl.tmp); });
    }
  });
}

// Interleaves a row-major block src[kc][nc] (row stride lds, elements of T) into the panels
// pack() must write, converting each element with f(value, column) (zero-point subtraction,
// sign flips); rows past kc (up to kcp, a k_group multiple) and columns past nc are zero.
// Panels lie pstride elements apart (default kcp * nr): a larger stride writes rows [k, k + kcp)
// of deeper panels, from dst = their k-th row, a block of rows at a time.
template <class T, class Out, class F>
inline void qgemm_interleave(const T* src, int64_t lds, int64_t kc, int64_t kcp, int64_t nc, int nr, int kg, Out* dst,
                             F f, int64_t pstride = -1) {
  if (pstride < 0) pstride = kcp * nr;
  for (int64_t j0 = 0; j0 < nc; j0 += nr) {
    Out* panel = dst + (j0 / nr) * pstride;
    const int64_t w = std::min<int64_t>(nr, nc - j0);
    for (int64_t k = 0; k < kcp; k += kg) {
      Out* g = panel + (k / kg) * nr * kg;
      for (int64_t j = 0; j < nr; ++j)
        for (int q = 0; q < kg; ++q)
          g[j * kg + q] = (j < w && k + q < kc) ? f(src[(k + q) * lds + j0 + j], j0 + j) : Out(0);
    }
  }
}

// The conv packers' two interleaves of u8 bytes (x's bytes, flipped to u8 by `flip`): into the
// c4 byte panels, or less the zero point into the c2 s16 panels. Full 16-column groups of full
// k groups by SSE2 (the x86-64 baseline: 4 x 16 bytes transposed by unpacks), the rest by
// qgemm_interleave. 2.5x faster packing of a 256-channel 8x8 layer's im2col.
inline void qgemm_interleave_c4_u8(const uint8_t* src, int64_t lds, int64_t kc, int64_t kcp, int64_t nc, uint8_t flip,
                                   uint8_t* dst, int64_t pstride = -1) {
  constexpr int nr = 16;
  if (pstride < 0) pstride = kcp * nr;
#if defined(__SSE2__)
  const int64_t full_k = kc / 4 * 4, full_j = nc / nr * nr;
  const __m128i fl = _mm_set1_epi8(static_cast<char>(flip));
  for (int64_t j0 = 0; j0 < full_j; j0 += nr) {
    uint8_t* panel = dst + (j0 / nr) * pstride;
    for (int64_t k = 0; k < full_k; k += 4) {
      const uint8_t* r = src + k * lds + j0;
      const __m128i r0 = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r)), fl);
      const __m128i r1 = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r + lds)), fl);
      const __m128i r2 = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r + 2 * lds)), fl);
      const __m128i r3 = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r + 3 * lds)), fl);
      const __m128i t0 = _mm_unpacklo_epi8(r0, r1), t1 = _mm_unpackhi_epi8(r0, r1);
      const __m128i t2 = _mm_unpacklo_epi8(r2, r3), t3 = _mm_unpackhi_epi8(r2, r3);
      __m128i* g = reinterpret_cast<__m128i*>(panel + k * nr);
      _mm_storeu_si128(g, _mm_unpacklo_epi16(t0, t2));
      _mm_storeu_si128(g + 1, _mm_unpackhi_epi16(t0, t2));
      _mm_storeu_si128(g + 2, _mm_unpacklo_epi16(t1, t3));
      _mm_storeu_si128(g + 3, _mm_unpackhi_epi16(t1, t3));
    }
    if (full_k < kcp)  // the k groups past the full ones (a partial one, then zeros)
      qgemm_interleave(src + full_k * lds + j0, lds, kc - full_k, kcp - full_k, nr, nr, 4, panel + full_k * nr,
                       [&](uint8_t v, int64_t) { return static_cast<uint8_t>(v ^ flip); });
  }
  if (full_j < nc)
    qgemm_interleave(src + full_j, lds, kc, kcp, nc - full_j, nr, 4, dst + (full_j / nr) * pstride,
                     [&](uint8_t v, int64_t) { return static_cast<uint8_t>(v ^ flip); }, pstride);
#else
  qgemm_interleave(src, lds, kc, kcp, nc, nr, 4, dst, [&](uint8_t v, int64_t) { return static_cast<uint8_t>(v ^ flip); },
                   pstride);
#endif
}

// src bytes are u8 (is_signed false) or s8; out = value - zero_point.
inline void qgemm_interleave_c2_s16(const uint8_t* src, int64_t lds, int64_t kc, int64_t kcp, int64_t nc, bool is_signed,
                                    int32_t zero_point, int16_t* dst, int64_t pstride = -1) {
  constexpr int nr = 16;
  if (pstride < 0) pstride = kcp * nr;
  auto scalar = [&](const uint8_t* s0, int64_t kr, int64_t kp, int64_t n, int16_t* d) {
    if (is_signed)
      qgemm_interleave(reinterpret_cast<const int8_t*>(s0), lds, kr, kp, n, nr, 2, d,
                       [&](int8_t v, int64_t) { return static_cast<int16_t>(v - zero_point); }, pstride);
    else
      qgemm_interleave(s0, lds, kr, kp, n, nr, 2, d, [&](uint8_t v, int64_t) { return static_cast<int16_t>(v - zero_point); },
                       pstride);
  };
#if defined(__SSE2__)
  const int64_t full_k = kc / 2 * 2, full_j = nc / nr * nr;
  // s8 bytes flipped to u8 (x + 128) and the zero point with them.
  const __m128i fl = _mm_set1_epi8(static_cast<char>(is_signed ? 0x80 : 0));
  const __m128i zp = _mm_set1_epi16(static_cast<int16_t>(is_signed ? zero_point + 128 : zero_point));
  const __m128i zero = _mm_setzero_si128();
  for (int64_t j0 = 0; j0 < full_j; j0 += nr) {
    int16_t* panel = dst + (j0 / nr) * pstride;
    for (int64_t k = 0; k < full_k; k += 2) {
      const uint8_t* r = src + k * lds + j0;
      const __m128i r0 = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r)), fl);
      const __m128i r1 = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r + lds)), fl);
      const __m128i a0 = _mm_sub_epi16(_mm_unpacklo_epi8(r0, zero), zp), a1 = _mm_sub_epi16(_mm_unpackhi_epi8(r0, zero), zp);
      const __m128i b0 = _mm_sub_epi16(_mm_unpacklo_epi8(r1, zero), zp), b1 = _mm_sub_epi16(_mm_unpackhi_epi8(r1, zero), zp);
      __m128i* g = reinterpret_cast<__m128i*>(panel + k * nr);
      _mm_storeu_si128(g, _mm_unpacklo_epi16(a0, b0));
      _mm_storeu_si128(g + 1, _mm_unpackhi_epi16(a0, b0));
      _mm_storeu_si128(g + 2, _mm_unpacklo_epi16(a1, b1));
      _mm_storeu_si128(g + 3, _mm_unpackhi_epi16(a1, b1));
    }
    if (full_k < kcp) scalar(src + full_k * lds + j0, kc - full_k, kcp - full_k, nr, panel + full_k * nr);
  }
  if (full_j < nc) scalar(src + full_j, kc, kcp, nc - full_j, dst + (full_j / nr) * pstride);
#else
  scalar(src, kc, kcp, nc, dst);
#endif
}

}  // namespace edgewm
