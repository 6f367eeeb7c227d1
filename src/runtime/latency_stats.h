#pragma once
// Summary statistics of repeated timings. Medians and tails, not means: shared machines are noisy.
#include <vector>

namespace edgewm {

struct LatencyStats {
  int count = 0;
  double min = 0, median = 0, p90 = 0, p99 = 0, max = 0, mean = 0;
};

// Percentile by linear interpolation between closest ranks (NumPy's default), q in [0, 100].
double percentile(std::vector<double> samples, double q);
LatencyStats summarize(const std::vector<double>& samples);

}  // namespace edgewm
