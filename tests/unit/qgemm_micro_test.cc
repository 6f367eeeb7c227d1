// The integer GEMM micro-kernels (kernels/gemm/qgemm_micro.h) against plain sums over the
// packed panels: every instance this CPU can run (portable, AVX2, AVX-VNNI, AVX-512 BW,
// AVX-512 VNNI, NEON), and every x86 target's body (kernels/x86/qgemm_tile_x86.h) instantiated
// over a scalar model of its instructions, so the targets this CPU lacks are checked here too:
// their loops, row clamping, partial tiles and accumulation. The models are themselves checked
// against the real instructions wherever the CPU has them, on inputs that saturate
// vpmaddubsw's 16-bit pair sums, so a model that did not saturate as the hardware does fails.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/gemm/qgemm_micro.h"
#include "kernels/x86/qgemm_tile_x86.h"
#include "qgemm_model_ops.h"

namespace edgewm {
namespace {

using testing::ModelOps;

template <class Ops, int MRB, int MRS>
std::vector<QGemmMicro> model_micros(const std::string& target) {
  using T = QTileSet<Ops, MRB, MRS>;
  auto name = [&](const char* kind, int mr, int kg) {
    return std::string("qgemm_") + kind + "_" + std::to_string(mr) + "x16c" + std::to_string(kg) + "__" + target;
  };
  static std::vector<std::string> names;  // QGemmMicro holds a C string
  names.push_back(name("u8s8", MRB, 4) + " (model)");
  names.push_back(name("s8u8", MRB, 4) + " (model)");
  names.push_back(name("s16", MRS, 2) + " (model)");
  const size_t n = names.size();
  return {{names[n - 3].c_str(), QOperands::kU8S8, MRB, 16, 4, T::u8s8},
          {names[n - 2].c_str(), QOperands::kS8U8, MRB, 16, 4, T::s8u8},
          {names[n - 1].c_str(), QOperands::kS16, MRS, 16, 2, T::s16}};
}

struct Instance {
  QGemmMicro micro;
  bool exact_bytes;  // byte products summed exactly (VNNI), not through 16-bit pairs
};

std::vector<Instance> models() {
  std::vector<Instance> v;
  auto add = [&](std::vector<QGemmMicro> m, bool exact) {
    for (const QGemmMicro& u : m) v.push_back({u, exact});
  };
  add(model_micros<ModelOps<8, false>, kQTileRowsAvx2C4, kQTileRowsAvx2S16>("avx2"), false);
  add(model_micros<ModelOps<8, true>, kQTileRowsAvxVnni, kQTileRowsAvxVnni>("avxvnni"), true);
  add(model_micros<ModelOps<16, false>, kQTileRowsAvx512, kQTileRowsAvx512>("avx512bw"), false);
  add(model_micros<ModelOps<16, true>, kQTileRowsAvx512, kQTileRowsAvx512>("avx512vnni"), true);
  return v;
}

// The instances this CPU runs, with their models (the same order, kind by kind) where one exists.
std::vector<std::pair<Instance, int>> real_instances() {
  std::vector<std::pair<Instance, int>> v;  // the model's index in models(), or -1
  auto add3 = [&](const QGemmMicro* m, bool exact, int model0) {
    for (int i = 0; i < 3; ++i) v.push_back({{m[i], exact}, model0 < 0 ? -1 : model0 + i});
  };
  const QGemmMicro portable[3] = {kQGemmPortable.u8s8, kQGemmPortable.s8u8, kQGemmPortable.s16};
  add3(portable, false, -1);
#if defined(__x86_64__)
  if (isa_enabled(Isa::kAvx2)) {
    const QGemmMicro avx2[3] = {kQGemmAvx2.u8s8, kQGemmAvx2.s8u8, kQGemmAvx2.s16};
    add3(avx2, false, 0);
  }
  if (cpu_has_avxvnni()) add3(kQGemmMicroAvxVnni, true, 3);
  if (isa_enabled(Isa::kAvx512)) add3(kQGemmMicroAvx512Bw, false, 6);
  if (cpu_has_avx512vnni()) add3(kQGemmMicroAvx512Vnni, true, 9);
#elif defined(__aarch64__)
  const QGemmKernels& n = neon_qgemm_kernels();
  const QGemmMicro neon[3] = {n.u8s8, n.s8u8, n.s16};
  add3(neon, false, -1);
#endif
  return v;
}

// Operands of one call in the kernel's layout: A rows (a_rs bytes apart) and the panel.
struct Call {
  int64_t kc = 0, a_rs = 0;
  int mr = 0, nr = 0;
  bool accumulate = false;
  std::vector<uint8_t> a, p;
  std::vector<int32_t> c;  // mr_max rows of ldc = 24 (columns past nr are canaries)
};
constexpr int64_t kLdc = 24;

enum class Values { kPairSafe, kFull, kExtremeMax, kExtremeMin };

Call make_call(const QGemmMicro& u, std::mt19937& rng, Values values) {
  Call k;
  const int kg = u.k_group, es = u.operands == QOperands::kS16 ? 2 : 1;
  k.mr = std::uniform_int_distribution<int>(1, u.mr_max)(rng);
  k.nr = std::uniform_int_distribution<int>(1, u.nr_max)(rng);
  if (rng() % 3 == 0) k.mr = u.mr_max, k.nr = u.nr_max;
  k.kc = kg * std::uniform_int_distribution<int64_t>(0, 70)(rng);
  k.a_rs = k.kc * es + es * kg * std::uniform_int_distribution<int64_t>(0, 2)(rng);
  k.accumulate = rng() % 2;
  k.a.assign(static_cast<size_t>(u.mr_max * k.a_rs + 4), 0);
  k.p.assign(static_cast<size_t>(k.kc * u.nr_max * es + 4), 0);
  // The signed byte side: the panel for u8s8, A for s8u8.
  const bool a_signed = u.operands == QOperands::kS8U8;
  auto byte = [&](bool is_signed) -> uint8_t {
    if (values == Values::kExtremeMax) return is_signed ? 127 : 255;
    if (values == Values::kExtremeMin) return is_signed ? static_cast<uint8_t>(-128) : 255;
    if (!is_signed) return static_cast<uint8_t>(rng());
    const int lo = values == Values::kPairSafe ? -64 : -128, hi = values == Values::kPairSafe ? 63 : 127;
    return static_cast<uint8_t>(static_cast<int8_t>(std::uniform_int_distribution<int>(lo, hi)(rng)));
  };
  auto word = [&]() -> int16_t {
    if (values == Values::kExtremeMax) return 32767;
    if (values == Values::kExtremeMin) return -32768;
    return static_cast<int16_t>(rng());
  };
  for (int r = 0; r < u.mr_max; ++r)
    for (int64_t i = 0; i < k.kc; ++i) {
      if (es == 2) {
        const int16_t w = word();
        std::memcpy(&k.a[static_cast<size_t>(r * k.a_rs + 2 * i)], &w, 2);
      } else {
        k.a[static_cast<size_t>(r * k.a_rs + i)] = byte(a_signed);
      }
    }
  for (int64_t i = 0; i < k.kc * u.nr_max; ++i) {
    if (es == 2) {
      const int16_t w = word();
      std::memcpy(&k.p[static_cast<size_t>(2 * i)], &w, 2);
    } else {
      k.p[static_cast<size_t>(i)] = byte(!a_signed);
    }
  }
  k.c.resize(static_cast<size_t>(u.mr_max * kLdc));
  for (int32_t& x : k.c) x = static_cast<int32_t>(rng());
  return k;
}

// C as the contract defines it, from the panel's layout: P(k, j) at [k / kg][j][k % kg].
std::vector<int32_t> oracle(const QGemmMicro& u, const Call& k) {
  std::vector<int32_t> c = k.c;
  const int kg = u.k_group;
  for (int r = 0; r < k.mr; ++r)
    for (int j = 0; j < k.nr; ++j) {
      int64_t sum = 0;
      for (int64_t i = 0; i < k.kc; ++i) {
        const int64_t pi = (i / kg) * u.nr_max * kg + j * kg + i % kg;
        int64_t av, pv;
        if (u.operands == QOperands::kS16) {
          int16_t x, y;
          std::memcpy(&x, &k.a[static_cast<size_t>(r * k.a_rs + 2 * i)], 2);
          std::memcpy(&y, &k.p[static_cast<size_t>(2 * pi)], 2);
          av = x, pv = y;
        } else if (u.operands == QOperands::kU8S8) {
          av = k.a[static_cast<size_t>(r * k.a_rs + i)];
          pv = static_cast<int8_t>(k.p[static_cast<size_t>(pi)]);
        } else {
          av = static_cast<int8_t>(k.a[static_cast<size_t>(r * k.a_rs + i)]);
          pv = k.p[static_cast<size_t>(pi)];
        }
        sum += av * pv;
      }
      int32_t& out = c[static_cast<size_t>(r * kLdc + j)];
      out = static_cast<int32_t>(static_cast<uint32_t>(k.accumulate ? out : 0) + static_cast<uint32_t>(sum));
    }
  return c;
}

std::vector<int32_t> run(const QGemmMicro& u, const Call& k) {
  std::vector<int32_t> c = k.c;
  u.fn(k.kc, k.a.data(), k.a_rs, k.mr, k.p.data(), c.data(), kLdc, k.nr, k.accumulate);
  return c;
}

void check(const Instance& in, std::mt19937& rng, int& calls) {
  const QGemmMicro& u = in.micro;
  std::vector<Values> kinds = {Values::kPairSafe};
  // Full-range bytes and the saturation extremes only where the contract says they are exact.
  if (u.operands == QOperands::kS16 || in.exact_bytes) kinds = {Values::kPairSafe, Values::kFull, Values::kExtremeMax, Values::kExtremeMin};
  for (Values v : kinds)
    for (int t = 0; t < 40; ++t) {
      const Call k = make_call(u, rng, v);
      const std::vector<int32_t> want = oracle(u, k), got = run(u, k);
      for (size_t i = 0; i < want.size(); ++i)
        ASSERT_EQ(got[i], want[i]) << u.name << ": mr " << k.mr << " nr " << k.nr << " kc " << k.kc << " accumulate "
                                   << k.accumulate << " values " << static_cast<int>(v) << ", element " << i / kLdc
                                   << "," << i % kLdc;
      ++calls;
    }
}

TEST(QGemmMicro, EveryInstanceThisCpuRunsMatchesThePlainSums) {
  std::mt19937 rng(11);
  int calls = 0;
  for (const auto& [in, model] : real_instances()) check(in, rng, calls);
  EXPECT_GE(calls, 3 * 40);
}

TEST(QGemmMicro, EveryX86TargetsBodyOnAModelOfItsInstructionsMatchesThePlainSums) {
  std::mt19937 rng(12);
  int calls = 0;
  for (const Instance& in : models()) check(in, rng, calls);
  EXPECT_GE(calls, 12 * 40);
}

// A model that failed to saturate where vpmaddubsw does (or saturated where vpdpbusd does not)
// would make the test above prove nothing about the real target: compare each model with its
// real instance on full-range bytes, where 16-bit pair sums overflow.
TEST(QGemmMicro, TheModelsAgreeWithTheRealInstructionsWhereTheCpuHasThem) {
  const std::vector<Instance> ms = models();
  std::mt19937 rng(13);
  int compared = 0, saturating = 0;
  for (const auto& [in, model] : real_instances()) {
    if (model < 0) continue;
    const QGemmMicro& u = in.micro;
    const QGemmMicro& m = ms[static_cast<size_t>(model)].micro;
    ASSERT_EQ(u.operands, m.operands);
    ASSERT_EQ(u.mr_max, m.mr_max) << u.name;
    for (Values v : {Values::kFull, Values::kExtremeMax, Values::kExtremeMin})
      for (int t = 0; t < 30; ++t) {
        const Call k = make_call(u, rng, v);
        const std::vector<int32_t> want = run(m, k), got = run(u, k);
        ASSERT_EQ(got, want) << u.name << " vs its model: mr " << k.mr << " nr " << k.nr << " kc " << k.kc;
        saturating += got != oracle(u, k);
        ++compared;
      }
  }
  if (!isa_enabled(Isa::kAvx2)) GTEST_SKIP() << "no x86 target on this CPU to compare the models with";
  EXPECT_GT(compared, 0);
  // On full-range bytes the non-VNNI kernels do saturate: the comparison covered that case.
  EXPECT_GT(saturating, 0);
}

}  // namespace
}  // namespace edgewm
