#pragma once
// Measures this machine's arithmetic peak, so benchmark results can state "% of peak".
#include <string>
#include <vector>

namespace edgewm {

struct PeakResult {
  std::string kind;  // "fp32-fma" or "int8-dot"
  // fp32: scalar, sse, avx2, avx512, neon; int8: avx2 and avx512bw (vpmaddubsw + vpmaddwd +
  // vpaddd chains), avx512-vnni and avx-vnni (vpdpbusd), neon-dotprod (sdot).
  std::string isa;
  int threads = 1;
  double gops = 0;   // GFLOP/s (fp32: 2 per FMA) or GOP/s (int8: 2 per multiply-add)
};

// Every ISA the CPU has, for 1..max_threads threads. Each point runs about `seconds`.
std::vector<PeakResult> measure_peak(int max_threads, double seconds = 0.2);

// The best fp32 figure for `threads` from a measurement (0 if none).
double best_fp32_gflops(const std::vector<PeakResult>& r, int threads);

}  // namespace edgewm
