#include "runtime/cpu_peak.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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

// u8 x s8 -> s16 pairs -> s32: 32 multiply-adds per maddubs+madd pair.
__attribute__((target("avx2"))) double avx2_int8(float seed) {
  __m256i acc[8];
  for (int i = 0; i < 8; ++i) acc[i] = _mm256_set1_epi32(static_cast<int>(seed) + i);
  const __m256i a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(-2), ones = _mm256_set1_epi16(1);
  for (int64_t it = 0; it < kIters; ++it)
    for (int i = 0; i < 8; ++i) acc[i] = _mm256_add_epi32(acc[i], _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), ones));
  volatile int sink = 0;
  for (int i = 0; i < 8; ++i) sink = sink + _mm256_extract_epi32(acc[i], 0);
  return 2.0 * 32 * 8 * kIters;
}

__attribute__((target("avx512f,avx512vnni"))) double vnni_int8(float seed) {
  __m512i acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_epi32(static_cast<int>(seed) + i);
  const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
  for (int64_t it = 0; it < kIters; ++it)
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
  volatile int sink = 0;
  for (int i = 0; i < 16; ++i) sink = sink + _mm512_reduce_add_epi32(acc[i]);
  return 2.0 * 64 * 16 * kIters;
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
  entries.push_back({"int8-dot", "avx512-vnni", vnni_int8,
                     __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vnni")});
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
