#include "runtime/cpu_peak.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

#include "kernels/cpu_features.h"

namespace edgewm {

namespace {

// Each loop keeps many independent accumulators so FMA latency is hidden and the measurement
// is limited by issue throughput, the way a well-blocked GEMM is. Returns flops done.
constexpr int64_t kIters = 1 << 16;

// Kept scalar on purpose: it is the baseline for the vector ISAs.
__attribute__((optimize("no-tree-vectorize"))) double scalar_fp32(float seed) {
  float a[16];
  for (int i = 0; i < 16; ++i) a[i] = seed + static_cast<float>(i);
  const float m = 0.999f, c = 0.001f;
  for (int64_t it = 0; it < kIters; ++it)
    for (int i = 0; i < 16; ++i) a[i] = a[i] * m + c;
  volatile float sink = 0;
  for (float v : a) sink = sink + v;
  return 2.0 * 16 * kIters;
}

#if defined(__x86_64__)
__attribute__((target("sse2"))) double sse_fp32(float seed) {
  __m128 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm_set1_ps(seed + static_cast<float>(i));
  const __m128 m = _mm_set1_ps(0.999f), c = _mm_set1_ps(0.001f);
  for (int64_t it = 0; it < kIters; ++it)
    for (int i = 0; i < 12; ++i) acc[i] = _mm_add_ps(_mm_mul_ps(acc[i], m), c);
  volatile float sink = 0;
  for (int i = 0; i < 12; ++i) sink = sink + _mm_cvtss_f32(acc[i]);
  return 2.0 * 4 * 12 * kIters;
}

__attribute__((target("avx2,fma"))) double avx2_fp32(float seed) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(seed + static_cast<float>(i));
  const __m256 m = _mm256_set1_ps(0.999f), c = _mm256_set1_ps(0.001f);
  for (int64_t it = 0; it < kIters; ++it)
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], m, c);
  volatile float sink = 0;
  for (int i = 0; i < 12; ++i) sink = sink + _mm256_cvtss_f32(acc[i]);
  return 2.0 * 8 * 12 * kIters;
}

__attribute__((target("avx512f"))) double avx512_fp32(float seed) {
  __m512 acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_ps(seed + static_cast<float>(i));
  const __m512 m = _mm512_set1_ps(0.999f), c = _mm512_set1_ps(0.001f);
  for (int64_t it = 0; it < kIters; ++it)
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(acc[i], m, c);
  volatile float sink = 0;
  for (int i = 0; i < 16; ++i) sink = sink + _mm512_reduce_add_ps(acc[i]);
  return 2.0 * 16 * 16 * kIters;
}

// The integer loops are shaped like a GEMM micro-kernel's inner step: A operands times B
// operands into independent accumulators. Unlike the FMA loops, their products do not depend on
// the accumulators, so a compiler would compute them once outside the loop and time only the
// adds (this measured 336-420 "GOP/s" per core on a Zen 3 that does ~200): keep() tells it the
// operands may change every iteration, without emitting an instruction.
// clang takes a vector register operand only of a width the whole file is compiled for (a
// function's target attribute is not enough): there the operands make a trip through memory
// (amortised over four iterations where the dot products depend on the accumulators; built
// with clang the vpmaddubsw figures are a lower bound).
#if defined(__clang__)
template <class V> inline void keep(V& v) { asm volatile("" : "+m"(v)); }
#else
template <class V> inline void keep(V& v) { asm volatile("" : "+v"(v)); }
#endif

// u8 x s8 -> s16 pairs (vpmaddubsw) -> s32 (vpmaddwd with ones) -> add: 32 multiply-adds per
// 256-bit chain of three instructions.
__attribute__((target("avx2"))) double avx2_int8(float seed) {
  __m256i acc[8];
  for (int i = 0; i < 8; ++i) acc[i] = _mm256_set1_epi32(static_cast<int>(seed) + i);
  __m256i a0 = _mm256_set1_epi8(3), a1 = _mm256_set1_epi8(5), b0 = _mm256_set1_epi8(-2), b1 = _mm256_set1_epi8(7),
          b2 = _mm256_set1_epi8(1), b3 = _mm256_set1_epi8(-9);
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t it = 0; it < kIters; ++it) {  // every iteration: the products do not depend on acc
    keep(a0), keep(a1), keep(b0), keep(b1), keep(b2), keep(b3);
    const __m256i a[2] = {a0, a1}, b[4] = {b0, b1, b2, b3};
    for (int i = 0; i < 8; ++i)
      acc[i] = _mm256_add_epi32(acc[i], _mm256_madd_epi16(_mm256_maddubs_epi16(a[i & 1], b[i >> 1]), ones));
  }
  volatile int sink = 0;
  for (int i = 0; i < 8; ++i) sink = sink + _mm256_extract_epi32(acc[i], 0);
  return 2.0 * 32 * 8 * kIters;
}

// The same chain on 512-bit registers (AVX-512 BW without VNNI): 64 multiply-adds per chain.
__attribute__((target("avx512f,avx512bw"))) double avx512bw_int8(float seed) {
  __m512i acc[8];
  for (int i = 0; i < 8; ++i) acc[i] = _mm512_set1_epi32(static_cast<int>(seed) + i);
  __m512i a0 = _mm512_set1_epi8(3), a1 = _mm512_set1_epi8(5), b0 = _mm512_set1_epi8(-2), b1 = _mm512_set1_epi8(7),
          b2 = _mm512_set1_epi8(1), b3 = _mm512_set1_epi8(-9);
  const __m512i ones = _mm512_set1_epi16(1);
  for (int64_t it = 0; it < kIters; ++it) {  // every iteration: the products do not depend on acc
    keep(a0), keep(a1), keep(b0), keep(b1), keep(b2), keep(b3);
    const __m512i a[2] = {a0, a1}, b[4] = {b0, b1, b2, b3};
    for (int i = 0; i < 8; ++i)
      acc[i] = _mm512_add_epi32(acc[i], _mm512_madd_epi16(_mm512_maddubs_epi16(a[i & 1], b[i >> 1]), ones));
  }
  volatile int sink = 0;
  for (int i = 0; i < 8; ++i) sink = sink + _mm512_reduce_add_epi32(acc[i]);
  return 2.0 * 64 * 8 * kIters;
}

// vpdpbusd: u8 x s8 -> s32 in one instruction, 64 multiply-adds per 512-bit one. Its result
// feeds the next (acc), so here the accumulators alone would keep it in the loop; keep() is for
// symmetry with the others.
__attribute__((target("avx512f,avx512vnni"))) double vnni_int8(float seed) {
  __m512i acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_epi32(static_cast<int>(seed) + i);
  __m512i a0 = _mm512_set1_epi8(3), a1 = _mm512_set1_epi8(5), b0 = _mm512_set1_epi8(-2), b1 = _mm512_set1_epi8(7);
  for (int64_t it = 0; it < kIters; it += 4) {
    keep(a0), keep(a1), keep(b0), keep(b1);
    const __m512i a[2] = {a0, a1}, b[2] = {b0, b1};
    for (int u = 0; u < 4; ++u)
      for (int i = 0; i < 16; ++i) acc[i] = _mm512_dpbusd_epi32(acc[i], a[i & 1], b[(i >> 1) & 1]);
  }
  volatile int sink = 0;
  for (int i = 0; i < 16; ++i) sink = sink + _mm512_reduce_add_epi32(acc[i]);
  return 2.0 * 64 * 16 * kIters;
}

// AVX-VNNI (Alder Lake and later, Zen 5): vpdpbusd on 256-bit registers, 32 multiply-adds.
__attribute__((target("avx2,avxvnni"))) double avxvnni_int8(float seed) {
  __m256i acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_epi32(static_cast<int>(seed) + i);
  __m256i a0 = _mm256_set1_epi8(3), a1 = _mm256_set1_epi8(5), b0 = _mm256_set1_epi8(-2), b1 = _mm256_set1_epi8(7);
  for (int64_t it = 0; it < kIters; it += 4) {
    keep(a0), keep(a1), keep(b0), keep(b1);
    const __m256i a[2] = {a0, a1}, b[2] = {b0, b1};
    for (int u = 0; u < 4; ++u)
      for (int i = 0; i < 12; ++i) acc[i] = _mm256_dpbusd_avx_epi32(acc[i], a[i & 1], b[(i >> 1) & 1]);
  }
  volatile int sink = 0;
  for (int i = 0; i < 12; ++i) sink = sink + _mm256_extract_epi32(acc[i], 0);
  return 2.0 * 32 * 12 * kIters;
}
#elif defined(__aarch64__)
template <class V> inline void keep(V& v) { asm volatile("" : "+w"(v)); }  // NEON is always on

double neon_fp32(float seed) {
  float32x4_t acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = vdupq_n_f32(seed + static_cast<float>(i));
  const float32x4_t m = vdupq_n_f32(0.999f), c = vdupq_n_f32(0.001f);
  for (int64_t it = 0; it < kIters; ++it)
    for (int i = 0; i < 16; ++i) acc[i] = vfmaq_f32(c, acc[i], m);
  volatile float sink = 0;
  for (int i = 0; i < 16; ++i) sink = sink + vgetq_lane_f32(acc[i], 0);
  return 2.0 * 4 * 16 * kIters;
}

// sdot: s8 x s8 -> s32, 16 multiply-adds per 128-bit instruction (ARMv8.2 dotprod).
__attribute__((target("arch=armv8.2-a+dotprod"))) double neon_sdot_int8(float seed) {
  int32x4_t acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = vdupq_n_s32(static_cast<int>(seed) + i);
  int8x16_t a0 = vdupq_n_s8(3), a1 = vdupq_n_s8(5), b0 = vdupq_n_s8(-2), b1 = vdupq_n_s8(7);
  for (int64_t it = 0; it < kIters; it += 4) {
    keep(a0), keep(a1), keep(b0), keep(b1);
    const int8x16_t a[2] = {a0, a1}, b[2] = {b0, b1};
    for (int u = 0; u < 4; ++u)
      for (int i = 0; i < 16; ++i) acc[i] = vdotq_s32(acc[i], a[i & 1], b[(i >> 1) & 1]);
  }
  volatile int sink = 0;
  for (int i = 0; i < 16; ++i) sink = sink + vgetq_lane_s32(acc[i], 0);
  return 2.0 * 16 * 16 * kIters;
}
#endif

using Kernel = double (*)(float);

// Runs `k` on `threads` threads for about `seconds`; returns G(fl)op/s over all threads.
double measure(Kernel k, int threads, double seconds) {
  std::atomic<bool> go{false}, stop{false};
  std::vector<double> work(static_cast<size_t>(threads), 0.0);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      while (!stop.load(std::memory_order_relaxed)) work[static_cast<size_t>(t)] += k(1.0f + static_cast<float>(t));
    });
  auto t0 = std::chrono::steady_clock::now();
  go = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double total = 0;
  for (double w : work) total += w;
  return total / elapsed / 1e9;
}

}  // namespace

std::vector<PeakResult> measure_peak(int max_threads, double seconds) {
  struct Entry {
    const char* kind;
    const char* isa;
    Kernel k;
    bool available;
  };
  std::vector<Entry> entries = {{"fp32-fma", "scalar", scalar_fp32, true}};
#if defined(__x86_64__)
  __builtin_cpu_init();
  entries.push_back({"fp32-fma", "sse", sse_fp32, true});
  entries.push_back({"fp32-fma", "avx2", avx2_fp32, __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")});
  entries.push_back({"fp32-fma", "avx512", avx512_fp32, static_cast<bool>(__builtin_cpu_supports("avx512f"))});
  entries.push_back({"int8-dot", "avx2", avx2_int8, static_cast<bool>(__builtin_cpu_supports("avx2"))});
  entries.push_back({"int8-dot", "avx512bw", avx512bw_int8,
                     __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")});
  entries.push_back({"int8-dot", "avx512-vnni", vnni_int8,
                     __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vnni")});
  entries.push_back({"int8-dot", "avx-vnni", avxvnni_int8,
                     __builtin_cpu_supports("avx2") && detected_avxvnni()});
#elif defined(__aarch64__)
  entries.push_back({"fp32-fma", "neon", neon_fp32, true});
  entries.push_back({"int8-dot", "neon-dotprod", neon_sdot_int8, (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0});
#endif
  std::vector<PeakResult> out;
  for (const Entry& e : entries) {
    if (!e.available) continue;
    for (int t = 1; t <= max_threads; ++t) out.push_back({e.kind, e.isa, t, measure(e.k, t, seconds)});
  }
  return out;
}

double best_fp32_gflops(const std::vector<PeakResult>& r, int threads) {
  double best = 0;
  for (const auto& p : r)
    if (p.kind == "fp32-fma" && p.threads == threads) best = std::max(best, p.gops);
  return best;
}

}  // namespace edgewm
