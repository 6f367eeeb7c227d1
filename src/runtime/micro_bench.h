#pragma once
// Throughput of each GEMM micro-kernel this build has and this CPU runs (f32 and integer, per
// ISA table, plus the portable integer ones), on panels that stay in L1: what a driver can
// reach at best, beside `measure_peak`'s instruction-chain peak (`edgewm bench --micro`).
// Thread safety: call from one thread; it runs single-threaded.
#include <string>
#include <vector>

namespace edgewm {

struct MicroResult {
  std::string kernel;  // contract name, e.g. "qgemm_u8s8_4x16c4__avx2"
  int64_t kc = 0;      // depth per call
  double gmacs = 0;    // multiply-adds per second, 1e9
};

std::vector<MicroResult> measure_micro_kernels(double seconds_each = 0.1);

}  // namespace edgewm
