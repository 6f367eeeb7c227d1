#pragma once
// The simulators' random numbers: SplitMix64, with our own float conversion, because the
// standard distributions differ between standard libraries and episodes must replay
// bit-for-bit everywhere from a seed.
#include <cstdint>

namespace edgewm::world {

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

 private:
  uint64_t state_;
};

// Independent, well-spread seeds for episode i of a run seeded with `base`.
inline uint64_t episode_seed(uint64_t base, uint64_t i) {
  Rng r(base * 0x2545F4914F6CDD1Dull + i);
  return r.next();
}

}  // namespace edgewm::world
