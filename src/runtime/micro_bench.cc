#include "runtime/micro_bench.h"

#include <chrono>
#include <set>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/gemm/qgemm_micro.h"
#include "kernels/isa_table.h"

namespace edgewm {

namespace {

// Calls fn() (mr x nr x kc multiply-adds each) for about `seconds`; returns GMAC/s.
template <class F> double rate(double macs_per_call, double seconds, F&& fn) {
  using clock = std::chrono::steady_clock;
  for (int i = 0; i < 16; ++i) fn();  // warm the panels into L1
  int64_t calls = 0;
  const auto t0 = clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (int i = 0; i < 256; ++i) fn();
    calls += 256;
    elapsed = std::chrono::duration<double>(clock::now() - t0).count();
  }
  return macs_per_call * static_cast<double>(calls) / elapsed / 1e9;
}

void integer(const QGemmMicro& u, int64_t kc, double seconds, std::vector<MicroResult>& out) {
  const int64_t es = u.operands == QOperands::kS16 ? 2 : 1;
  // Small values (within every kind's exact range); the data does not change the timing.
  std::vector<int8_t> a(static_cast<size_t>(u.mr_max * kc * es), 1), p(static_cast<size_t>(u.nr_max * kc * es), 1);
  std::vector<int32_t> c(static_cast<size_t>(u.mr_max * u.nr_max));
  const double g = rate(static_cast<double>(u.mr_max) * u.nr_max * static_cast<double>(kc), seconds, [&] {
    u.fn(kc, a.data(), kc * es, u.mr_max, p.data(), c.data(), u.nr_max, u.nr_max, false);
  });
  out.push_back({u.name, kc, g});
}

void f32(const GemmMicroF32& u, int64_t kc, double seconds, std::vector<MicroResult>& out) {
  std::vector<float> a(static_cast<size_t>(u.mr_max * kc), 0.5f), p(static_cast<size_t>(u.nr_max * kc), 0.25f);
  std::vector<float> c(static_cast<size_t>(u.mr_max * u.nr_max));
  const double g = rate(static_cast<double>(u.mr_max) * u.nr_max * static_cast<double>(kc), seconds, [&] {
    u.fn(kc, a.data(), kc, 1, u.mr_max, p.data(), u.nr_max, c.data(), u.nr_max, u.nr_max, 1.f);
  });
  out.push_back({u.name, kc, g});
}

}  // namespace

std::vector<MicroResult> measure_micro_kernels(double seconds_each) {
  std::vector<MicroResult> out;
  std::set<std::string> seen;  // tables may share instances (AVX-512 uses AVX2's integer ones)
  auto each_integer = [&](const QGemmKernels& k) {
    for (const QGemmMicro* u : {&k.u8s8, &k.s8u8, &k.s16})
      if (seen.insert(u->name).second)
        for (int64_t kc : {64, 256, 1024}) integer(*u, kc, seconds_each, out);
  };
  for (Isa isa : kBuildIsas) {
    const IsaTable* t = isa_table(isa);
    if (!t || !isa_enabled(isa)) continue;
    if (seen.insert(t->gemm.name).second)
      for (int64_t kc : {64, 256}) f32(t->gemm, kc, seconds_each, out);
    each_integer(*t->qgemm);
  }
  each_integer(kQGemmPortable);
  return out;
}

}  // namespace edgewm
