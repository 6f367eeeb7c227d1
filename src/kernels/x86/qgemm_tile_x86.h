#pragma once
// The x86 integer micro-kernels (gemm/qgemm_micro.h) as one body, written once over a policy V
// of vector operations and instantiated per target with that target's instructions:
//   AVX2          x86/qgemm_avx2.cc         vpmaddubsw + vpmaddwd (pair-safe bytes), vpmaddwd
//   AVX-VNNI      x86/qgemm_avxvnni.cc      vpdpbusd, vpdpwssd on ymm (VEX)
//   AVX-512 BW    x86/qgemm_avx512.cc       vpmaddubsw + vpmaddwd on zmm
//   AVX-512 VNNI  x86/qgemm_avx512vnni.cc   vpdpbusd, vpdpwssd on zmm
// and, in the tests (tests/unit/qgemm_micro_test.cc), over a scalar model of each of those
// instructions, so the loop, the row clamping and the tails of a target this CPU lacks are
// checked here too, and the model itself against the real instructions where the CPU has them.
//
// 16 columns a tile for every target (the panels are the same bytes: one k group of 16 columns
// is 64 bytes, 2 ymm or 1 zmm), so weights packed once run on whichever target the CPU has.
// Both kinds read 4 bytes of a row of A per k group (4 u8/s8, or 2 s16).
//
// V provides: Reg; kLanes, the int32 lanes of a Reg (8 or 16); zero(); load(p), kLanes * 4
// bytes; bcast32(p), 4 bytes into every lane; dot_c4(acc, u, s): acc plus, in each lane, the
// four products of u's bytes (u8) with s's (s8), summed as the target's instruction sums them
// (vpmaddubsw saturates pairs to 16 bits; vpdpbusd is exact); dot_c2(acc, a, b): the same over
// two s16 pairs (exact, modulo 2^32); add(a, b), int32 lanes modulo 2^32; store(p, v).
//
// Everything here sits in an unnamed namespace and depends on V, whose policies are unnamed
// too: each target's file compiles its own copy with its own flags, and no function compiled
// for AVX-512 can be picked by the linker for a caller that runs on AVX2 (the ODR trap of
// inline functions shared across differently-compiled files).
#include <cstdint>
#include <cstring>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "kernels/gemm/gemm_micro.h"
#include "kernels/gemm/qgemm_micro.h"

namespace edgewm {

// Rows of each target's tiles (shared with the tests' emulated instances). The AVX2 byte kernel
// needs temporaries for vpmaddubsw's pair sums (4 rows x 2 ymm accumulators); the others add in
// place: 6 rows x 2 ymm of 16 registers, 12 rows x 1 zmm of 32 (enough independent sums to
// cover vpdpbusd's latency on two ports).
inline constexpr int kQTileRowsAvx2C4 = 4, kQTileRowsAvx2S16 = 6, kQTileRowsAvxVnni = 6, kQTileRowsAvx512 = 12;

namespace {

// The accumulators are named variables, not an array: with Reg acc[MR][NV] (loops unrolled or
// expanded by templates alike) GCC 12 kept part of them on the stack and added every product
// into a fresh register it then copied back, a move per multiply-add that made the AVX2 loop
// front-end bound. Rows past MR are declared too and never used (removed as dead code).
#define EDGEWM_QTILE_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
inline constexpr int kQTileMaxRows = 12;

template <class V, int MR, QOperands K>
void qgemm_tile(int64_t kc, const void* a, int64_t a_rs, int mr, const void* p, int32_t* c, int64_t ldc, int nr,
                bool accumulate) {
  constexpr int kNR = 16, NV = kNR / V::kLanes, kGroup = K == QOperands::kS16 ? 2 : 4;
  static_assert(NV * V::kLanes == kNR && NV <= 2, "a tile row is 16 int32 columns, 1 or 2 registers");
  static_assert(MR >= 1 && MR <= kQTileMaxRows, "rows within EDGEWM_QTILE_ROWS");
  EDGEWM_KERNEL_CONTRACT("qgemm_tile__x86", mr >= 1 && mr <= MR && nr >= 1 && nr <= kNR && kc % kGroup == 0);
  using Reg = typename V::Reg;
  // Rows past mr repeat the last one: the loop stays branch-free, their sums are not stored.
  const char* ar[kQTileMaxRows];
  for (int r = 0; r < kQTileMaxRows; ++r) ar[r] = static_cast<const char*>(a) + (r < mr ? r : mr - 1) * a_rs;
  auto dot = [](Reg acc, Reg b, Reg pv) {
    if constexpr (K == QOperands::kS16) return V::dot_c2(acc, b, pv);
    else if constexpr (K == QOperands::kU8S8) return V::dot_c4(acc, b, pv);
    else return V::dot_c4(acc, pv, b);  // s8u8: the panel is the unsigned side
  };
#define EDGEWM_QTILE_DECLARE(r) Reg c##r##0 = V::zero(), c##r##1 = c##r##0;
  EDGEWM_QTILE_ROWS(EDGEWM_QTILE_DECLARE)
#undef EDGEWM_QTILE_DECLARE
  const char* pp = static_cast<const char*>(p);
  const char *a0 = ar[0], *a1 = ar[1], *a2 = ar[2], *a3 = ar[3], *a4 = ar[4], *a5 = ar[5], *a6 = ar[6], *a7 = ar[7],
             *a8 = ar[8], *a9 = ar[9], *a10 = ar[10], *a11 = ar[11];
  if (mr == 1) {
    // GEMV (M = 1: a Linear on one vector): four independent sums over alternating k groups,
    // to cover the dot instruction's latency, instead of MR copies of the one row. Modulo 2^32
    // the order of the additions does not matter: bit-exact either way.
    const int64_t groups = kc / kGroup;
    int64_t g = 0;
    for (; g + 4 <= groups; g += 4, pp += 16 * kNR) {
#define EDGEWM_QTILE_GEMV(u)                                                       \
  {                                                                                \
    const Reg b = V::bcast32(a0 + 4 * (g + u));                                    \
    const char* q = pp + 4 * kNR * u;                                              \
    c##u##0 = dot(c##u##0, b, V::load(q));                                         \
    if constexpr (NV == 2) c##u##1 = dot(c##u##1, b, V::load(q + 4 * V::kLanes));  \
  }
      EDGEWM_QTILE_GEMV(0) EDGEWM_QTILE_GEMV(1) EDGEWM_QTILE_GEMV(2) EDGEWM_QTILE_GEMV(3)
#undef EDGEWM_QTILE_GEMV
    }
    for (; g < groups; ++g, pp += 4 * kNR) {
      const Reg b = V::bcast32(a0 + 4 * g);
      c00 = dot(c00, b, V::load(pp));
      if constexpr (NV == 2) c01 = dot(c01, b, V::load(pp + 4 * V::kLanes));
    }
    c00 = V::add(V::add(c00, c10), V::add(c20, c30));
    if constexpr (NV == 2) c01 = V::add(V::add(c01, c11), V::add(c21, c31));
  } else {
    for (int64_t k = 0; k < kc / kGroup * 4; k += 4, pp += 4 * kNR) {
      const Reg p0 = V::load(pp), p1 = NV == 2 ? V::load(pp + 4 * V::kLanes) : p0;
#define EDGEWM_QTILE_STEP(r)                                \
  if constexpr (r < MR) {                                   \
    const Reg b = V::bcast32(a##r + k);                     \
    c##r##0 = dot(c##r##0, b, p0);                          \
    if constexpr (NV == 2) c##r##1 = dot(c##r##1, b, p1);   \
  }
      EDGEWM_QTILE_ROWS(EDGEWM_QTILE_STEP)
#undef EDGEWM_QTILE_STEP
    }
  }
  // Into an array only after the loop (as the hand-written kernels did); rows past MR are zeros
  // never stored. (Storing straight from the named sums, through a lambda, brought the copies back.)
#define EDGEWM_QTILE_ROW(r) {c##r##0, c##r##1},
  const Reg acc[kQTileMaxRows][2] = {EDGEWM_QTILE_ROWS(EDGEWM_QTILE_ROW)};
#undef EDGEWM_QTILE_ROW
  if (nr == kNR) {
    for (int r = 0; r < mr; ++r)
      for (int h = 0; h < NV; ++h) {
        int32_t* d = c + r * ldc + V::kLanes * h;
        V::store(d, accumulate ? V::add(acc[r][h], V::load(d)) : acc[r][h]);
      }
    return;
  }
  alignas(64) int32_t t[kNR];
  for (int r = 0; r < mr; ++r) {
    for (int h = 0; h < NV; ++h) V::store(t + V::kLanes * h, acc[r][h]);
    int32_t* d = c + r * ldc;
    for (int j = 0; j < nr; ++j)
      d[j] = accumulate ? static_cast<int32_t>(static_cast<uint32_t>(d[j]) + static_cast<uint32_t>(t[j])) : t[j];
  }
}
#undef EDGEWM_QTILE_ROWS

// The register half of a policy, by width, for the targets' files (each compiled with the flags
// that define these macros): the policies add dot_c4 and dot_c2.
#if defined(__AVX2__)
struct YmmRegs {
  using Reg = __m256i;
  static constexpr int kLanes = 8;
  static Reg zero() { return _mm256_setzero_si256(); }
  static Reg load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
  static Reg bcast32(const void* p) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
  }
  static Reg add(Reg a, Reg b) { return _mm256_add_epi32(a, b); }
  static void store(void* p, Reg v) { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }
};
#endif
#if defined(__AVX512F__)
struct ZmmRegs {
  using Reg = __m512i;
  static constexpr int kLanes = 16;
  static Reg zero() { return _mm512_setzero_si512(); }
  static Reg load(const void* p) { return _mm512_loadu_si512(p); }
  static Reg bcast32(const void* p) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
  }
  static Reg add(Reg a, Reg b) { return _mm512_add_epi32(a, b); }
  static void store(void* p, Reg v) { _mm512_storeu_si512(p, v); }
};
#endif

// The three micro-kernels of one target: c4 byte kernels of MRB rows, the s16 one of MRS.
template <class V, int MRB, int MRS>
struct QTileSet {
  static constexpr QGemmFn u8s8 = qgemm_tile<V, MRB, QOperands::kU8S8>;
  static constexpr QGemmFn s8u8 = qgemm_tile<V, MRB, QOperands::kS8U8>;
  static constexpr QGemmFn s16 = qgemm_tile<V, MRS, QOperands::kS16>;
};

}  // namespace

}  // namespace edgewm
