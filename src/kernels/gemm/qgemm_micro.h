#pragma once
// The integer GEMM micro-kernel contract, u8 x s8 -> s32 with a requantising epilogue: what the
// INT8 kernels (AVX2 vpmaddubsw, AVX-512 VNNI vpdpbusd, NEON sdot/udot) implement, one instance
// per ISA in that ISA's kernel table. Named by contract like the f32 ones:
// qgemm_u8s8_<mr>x<nr>__<isa> (e.g. qgemm_u8s8_6x16__avx2, qgemm_u8s8_14x32__avx512vnni).
//
//   acc[mr x nr] (+)= A[mr x kc] * P[kc x nr]      A: u8 rows (activations, zero point za)
//                                                   P: s8 packed panel (weights, symmetric)
//   out = clamp(round(scale[j] * (acc + bias[j])) + zero_point, out_min, out_max)
//
// P is packed in groups of k_group consecutive k per column (4 for VNNI's 4-byte dot products,
// 2 for vpmaddubsw), columns past the block zero. The activation zero point za is folded into
// bias by whoever packs the weights: bias[j] = b[j] - za * sum_k P[k, j], so the micro-kernel
// multiplies raw bytes. On AVX2 the u8 x s8 pair products saturate at 16 bits in vpmaddubsw:
// a kernel must keep weights within 7 bits or widen, and say which.
#include <cstdint>

namespace edgewm {

// Per-column (output channel) or per-tensor requantisation; the fused activation is the clamp.
struct Requantize {
  const int32_t* bias = nullptr;  // nr values per column block (zero-point terms folded in), or null
  const float* scale = nullptr;   // input scale x weight scale / output scale: per column, or [0]
  bool per_column = false;
  int32_t zero_point = 0;         // of the output
  int32_t out_min = 0, out_max = 255;
};

// kc = depth (a multiple of k_group; pad with zeros), a_rs = A's row stride in bytes, ldp = P's
// row stride in bytes per k_group rows. accumulate: add to acc instead of overwriting it (K
// blocks). When q is non-null this is the last K block: the kernel requantises its tile into
// out (u8, row stride ldo) instead of leaving s32 in acc. mr in [1, mr_max], nr in [1, nr_max].
using QGemmU8S8Fn = void (*)(int64_t kc, const uint8_t* a, int64_t a_rs, int mr, const int8_t* p, int64_t ldp,
                             int32_t* acc, int64_t ldacc, int nr, bool accumulate, const Requantize* q, int64_t col0,
                             uint8_t* out, int64_t ldo);

struct QGemmMicroU8S8 {
  const char* name;  // its contract name, e.g. "qgemm_u8s8_6x16__avx2"
  int mr_max, nr_max;
  int k_group;  // consecutive k per packed column group
  QGemmU8S8Fn fn;
};

}  // namespace edgewm
