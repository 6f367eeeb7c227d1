#pragma once
// One table per ISA of the vector building blocks the shared drivers run on: the GEMM
// micro-kernel, the row kernels, the Winograd transforms, the depthwise plane loop. Each table is
// filled in one place per architecture (kernels/x86/isa_tables.cc, kernels/arm/isa_tables.cc),
// in the way ONNX Runtime's MLAS platform init or XNNPACK's src/configs/ do it; one registration
// (kernels/isa_kernels.cc) turns every table into the same set of kernels on x86 and ARM.
//
// Adding an ISA: its files (compiled with its flags only), its table, and its entry in
// kBuildIsas. Adding a building block: a field here, an entry in every table, its driver.
#include <array>

#include "kernels/cpu_features.h"
#include "kernels/conv/depthwise.h"
#include "kernels/gemm/gemm_micro.h"
#include "kernels/gemm/qgemm_micro.h"
#include "kernels/rows/row_kernels.h"
#include "kernels/conv/winograd_transforms.h"

namespace edgewm {

struct IsaTable {
  Isa isa;
  const char* name;  // prefix of its kernels' names ("avx2", "avx2.winograd"...)
  int priority;      // of its kernels: the reference is 0, portable 1; a wider ISA ranks higher
  GemmMicroF32 gemm;
  RowKernelsF32 rows;
  WinogradTransforms winograd;
  DepthwisePlaneFn depthwise;
  const QGemmKernels* qgemm;  // the integer micro-kernels and epilogue
};

// The ISAs this build has tables for. A compile-time list: the registration instantiates its
// kernel wrappers per ISA (a kernel is a plain function pointer).
#if defined(__x86_64__)
inline constexpr std::array kBuildIsas{Isa::kAvx2, Isa::kAvx512};
#elif defined(__aarch64__)
inline constexpr std::array kBuildIsas{Isa::kNeon};
#else
inline constexpr std::array<Isa, 0> kBuildIsas{};
#endif

// The table of `isa`, or null when this build has none (scalar, another architecture's ISA).
// Whether this CPU may run it is isa_enabled(isa).
const IsaTable* isa_table(Isa isa);

}  // namespace edgewm
