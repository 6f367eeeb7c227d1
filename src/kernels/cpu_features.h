#pragma once
// Which vector ISA the fast kernels may use on this CPU, decided once per process. The
// environment variable EDGEWM_ISA (scalar | avx2 | avx512 | neon) caps it, so tests exercise
// every lower path on a machine that has the higher ones. x86 levels are ordered; NEON (every
// AArch64 CPU) is the one ARM level, above scalar.
#include <string>

namespace edgewm {

enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2, kNeon = 3 };

Isa cpu_isa();                 // detected, capped by EDGEWM_ISA
Isa detected_isa();            // what the CPU has, ignoring EDGEWM_ISA
bool isa_enabled(Isa isa);     // cpu_isa() runs code of `isa` (AVX-512 implies AVX2)
const char* isa_name(Isa isa);
// Extensions within an x86 level, for the integer kernels' choice: AVX-512 VNNI where the
// AVX-512 level is enabled, AVX-VNNI (its VEX form) where AVX2 is.
bool cpu_has_avx512vnni();
bool cpu_has_avxvnni();
bool detected_avxvnni();  // what the CPU reports, ignoring EDGEWM_ISA

}  // namespace edgewm
