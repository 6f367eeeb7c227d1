#include "runtime/latency_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace edgewm {

double percentile(std::vector<double> s, double q) {
  if (s.empty()) return 0;
  std::sort(s.begin(), s.end());
  double pos = std::clamp(q, 0.0, 100.0) / 100.0 * static_cast<double>(s.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos)), hi = static_cast<size_t>(std::ceil(pos));
  return s[lo] + (s[hi] - s[lo]) * (pos - static_cast<double>(lo));
}

LatencyStats summarize(const std::vector<double>& s) {
  LatencyStats r;
  if (s.empty()) return r;
  r.count = static_cast<int>(s.size());
  r.min = *std::min_element(s.begin(), s.end());
  r.max = *std::max_element(s.begin(), s.end());
  r.mean = std::accumulate(s.begin(), s.end(), 0.0) / static_cast<double>(s.size());
  r.median = percentile(s, 50);
  r.p90 = percentile(s, 90);
  r.p99 = percentile(s, 99);
  return r;
}

}  // namespace edgewm
