#include "kernels/cpu_features.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "edgewm/error.h"
#include "kernels/gemm/gemm_micro.h"

namespace edgewm {

Isa detected_isa() {
#if defined(__x86_64__) || defined(__i386__)
  static const Isa isa = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq"))
      return Isa::kAvx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
    return Isa::kScalar;
  }();
  return isa;
#elif defined(__aarch64__)
  return Isa::kNeon;
#else
  return Isa::kScalar;
#endif
}

Isa cpu_isa() {
  static const Isa isa = [] {
    Isa have = detected_isa();
    const char* want = std::getenv("EDGEWM_ISA");
    if (!want || !*want) return have;
    Isa cap;
    if (!std::strcmp(want, "scalar")) cap = Isa::kScalar;
    else if (!std::strcmp(want, "avx2")) cap = Isa::kAvx2;
    else if (!std::strcmp(want, "avx512")) cap = Isa::kAvx512;
    else if (!std::strcmp(want, "neon")) cap = Isa::kNeon;
    else throw Error(ErrorKind::kInvalidArgument, std::string("EDGEWM_ISA='") + want + "' (use scalar, avx2, avx512 or neon)");
    return static_cast<int>(cap) < static_cast<int>(have) ? cap : have;
  }();
  return isa;
}

bool isa_enabled(Isa isa) {
  const Isa have = cpu_isa();
  if (isa == Isa::kScalar) return true;
  if (isa == Isa::kNeon) return have == Isa::kNeon;
  return have != Isa::kNeon && static_cast<int>(have) >= static_cast<int>(isa);  // x86 levels are ordered
}

bool cpu_has_avx512vnni() {
#if defined(__x86_64__) || defined(__i386__)
  return isa_enabled(Isa::kAvx512) && __builtin_cpu_supports("avx512vnni");
#else
  return false;
#endif
}

bool detected_avxvnni() {
#if defined(__x86_64__) || defined(__i386__)
  // CPUID.(EAX=7, ECX=1):EAX bit 4: not every compiler's __builtin_cpu_supports knows it.
  unsigned a, b, c, d;
  return __get_cpuid_count(7, 1, &a, &b, &c, &d) && ((a >> 4) & 1);
#else
  return false;
#endif
}

bool cpu_has_avxvnni() { return isa_enabled(Isa::kAvx2) && detected_avxvnni(); }

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
    case Isa::kNeon: return "neon";
  }
  return "?";
}

void kernel_contract_failed(const char* kernel, const char* condition) {
  std::fprintf(stderr, "edgewm: internal error: %s called outside its contract (%s)\n", kernel, condition);
  std::abort();
}

}  // namespace edgewm
