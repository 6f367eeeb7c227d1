#pragma once
// A scalar model of each x86 target's integer instructions, the policy the x86 micro-kernel body
// (kernels/x86/qgemm_tile_x86.h) is instantiated over in the tests: the micro-kernel tests
// (qgemm_micro_test.cc, which also checks the model against the real instructions where the
// CPU has them) and the drivers' parity with 12-row tiles (kernel_parity_test.cc).
#include <cstdint>
#include <cstring>

namespace edgewm::testing {

// A scalar model of one target's register and instructions (L int32 lanes). vpmaddubsw: each
// 16-bit lane the saturated sum of two u8 x s8 products; vpmaddwd by ones: two of those into
// int32. vpdpbusd: four u8 x s8 products and the accumulator, modulo 2^32. vpmaddwd /
// vpdpwssd: two s16 x s16 products, modulo 2^32 (the only overflow, -32768^2 * 2, wraps alike).
template <int L, bool kVnni>
struct ModelOps {
  struct Reg {
    int32_t v[L];
  };
  static constexpr int kLanes = L;
  static Reg zero() { return Reg{}; }
  static Reg load(const void* p) {
    Reg r;
    std::memcpy(r.v, p, sizeof r.v);
    return r;
  }
  static Reg bcast32(const void* p) {
    Reg r;
    int32_t x;
    std::memcpy(&x, p, 4);
    for (int32_t& e : r.v) e = x;
    return r;
  }
  static int32_t wrap(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }
  static int64_t sat16(int64_t v) { return v < -32768 ? -32768 : (v > 32767 ? 32767 : v); }
  static Reg dot_c4(Reg acc, Reg u, Reg s) {
    uint8_t ub[4 * L];
    int8_t sb[4 * L];
    std::memcpy(ub, u.v, sizeof ub);
    std::memcpy(sb, s.v, sizeof sb);
    for (int l = 0; l < L; ++l) {
      const uint8_t* x = ub + 4 * l;
      const int8_t* y = sb + 4 * l;
      int64_t sum;
      if (kVnni) sum = int64_t{x[0]} * y[0] + int64_t{x[1]} * y[1] + int64_t{x[2]} * y[2] + int64_t{x[3]} * y[3];
      else sum = sat16(int64_t{x[0]} * y[0] + int64_t{x[1]} * y[1]) + sat16(int64_t{x[2]} * y[2] + int64_t{x[3]} * y[3]);
      acc.v[l] = wrap(int64_t{acc.v[l]} + sum);
    }
    return acc;
  }
  static Reg dot_c2(Reg acc, Reg a, Reg b) {
    int16_t x[2 * L], y[2 * L];
    std::memcpy(x, a.v, sizeof x);
    std::memcpy(y, b.v, sizeof y);
    for (int l = 0; l < L; ++l)
      acc.v[l] = wrap(int64_t{acc.v[l]} + int64_t{x[2 * l]} * y[2 * l] + int64_t{x[2 * l + 1]} * y[2 * l + 1]);
    return acc;
  }
  static Reg add(Reg a, Reg b) {
    for (int l = 0; l < L; ++l) a.v[l] = wrap(int64_t{a.v[l]} + b.v[l]);
    return a;
  }
  static void store(void* p, Reg v) { std::memcpy(p, v.v, sizeof v.v); }
};

}  // namespace edgewm::testing
