#pragma once
// Seeded random numbers for simulators and samplers: SplitMix64, with our own float and
// Gaussian conversions, because the standard distributions differ between standard libraries
// and episodes and samples must replay bit-for-bit everywhere from a seed.
#include <cmath>
#include <cstdint>

namespace edgewm {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  int below(int n) { return static_cast<int>(uniform() * n); }  // [0, n)
  bool chance(double p) { return uniform() < p; }
  // Standard normal (Box-Muller; the second value of each pair is kept for the next call).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = 1.0 - uniform(), u2 = uniform();  // u1 in (0, 1]: log is finite
    double r = std::sqrt(-2.0 * std::log(u1)), a = 6.283185307179586 * u2;
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
  }

 private:
  uint64_t state_;
  double spare_ = 0;
  bool has_spare_ = false;
};

// Independent, well-spread seeds for episode i of a run seeded with `base`.
inline uint64_t episode_seed(uint64_t base, uint64_t i) {
  Rng r(base * 0x2545F4914F6CDD1Dull + i);
  return r.next();
}

}  // namespace edgewm
