// The NEON integer micro-kernels (qgemm_micro.h), 16 columns:
// qgemm_s16_3x16c2__neon multiplies 16-bit values with smlal into per-(column, k parity)
// accumulators, added pairwise at the end (every AArch64 CPU; exact for anything);
// qgemm_u8s8_4x16c4__neondot and qgemm_s8u8_4x16c4__neondot multiply bytes with sdot (ARMv8.2
// dot product: 4 s8 x s8 products into each int32 lane), the unsigned side shifted to s8 by
// -128 and the difference added back (128 times the other side's sums, one more sdot per
// column or row group); unlike vpmaddubsw nothing saturates, so no pair-safety limit applies.
// The dot-product kernels carry their own target attribute and are reached only where the
// CPU reports the feature (HWCAP_ASIMDDP); so do the i8mm ones below (HWCAP2_I8MM), which the
// table prefers; the rest of the integer table is the portable one.
#include <arm_neon.h>
#include <sys/auxv.h>

#include <array>
#include <cstring>
#include <vector>

#include "kernels/gemm/gemm_micro.h"
#include "kernels/gemm/qgemm_micro.h"

#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#ifndef HWCAP2_I8MM
#define HWCAP2_I8MM (1 << 13)
#endif

namespace edgewm {

namespace {

constexpr int kNR = 16, kMR16 = 3, kMR8 = 4;

// Rows of 16 int32 (four vectors each) into C.
template <int MR>
inline void store_rows(const int32x4_t (&out)[MR][4], int mr, int32_t* c, int64_t ldc, int nr, bool accumulate) {
  for (int r = 0; r < mr; ++r) {
    int32_t* d = c + r * ldc;
    if (nr == kNR) {
      for (int q = 0; q < 4; ++q) {
        const int32x4_t v = accumulate ? vaddq_s32(out[r][q], vld1q_s32(d + 4 * q)) : out[r][q];
        vst1q_s32(d + 4 * q, v);
      }
      continue;
    }
    int32_t t[kNR];
    for (int q = 0; q < 4; ++q) vst1q_s32(t + 4 * q, out[r][q]);
    for (int j = 0; j < nr; ++j)
      d[j] = accumulate ? static_cast<int32_t>(static_cast<uint32_t>(d[j]) + static_cast<uint32_t>(t[j])) : t[j];
  }
}

inline uint32_t load4(const void* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

void qgemm_s16(int64_t kc, const void* a, int64_t a_rs, int mr, const void* p, int32_t* c, int64_t ldc, int nr,
               bool accumulate) {
  EDGEWM_KERNEL_CONTRACT("qgemm_s16_3x16c2__neon", mr >= 1 && mr <= kMR16 && nr >= 1 && nr <= kNR && kc % 2 == 0);
  const char* ar[kMR16];
  for (int r = 0; r < kMR16; ++r) ar[r] = static_cast<const char*>(a) + (r < mr ? r : mr - 1) * a_rs;
  // acc[r][q]: columns 2q and 2q + 1, each as its (even k, odd k) partial sums.
  int32x4_t acc[kMR16][8];
  for (auto& row : acc)
    for (auto& v : row) v = vdupq_n_s32(0);
  const int16_t* pp = static_cast<const int16_t*>(p);
  for (int64_t k = 0; k < kc; k += 2, pp += 2 * kNR) {
    const int16x8_t p0 = vld1q_s16(pp), p1 = vld1q_s16(pp + 8), p2 = vld1q_s16(pp + 16), p3 = vld1q_s16(pp + 24);
    for (int r = 0; r < kMR16; ++r) {
      const int16x8_t b = vreinterpretq_s16_u32(vdupq_n_u32(load4(ar[r] + 2 * k)));  // a_k a_k+1, repeated
      const int16x4_t bl = vget_low_s16(b);
      acc[r][0] = vmlal_s16(acc[r][0], vget_low_s16(p0), bl);
      acc[r][1] = vmlal_high_s16(acc[r][1], p0, b);
      acc[r][2] = vmlal_s16(acc[r][2], vget_low_s16(p1), bl);
      acc[r][3] = vmlal_high_s16(acc[r][3], p1, b);
      acc[r][4] = vmlal_s16(acc[r][4], vget_low_s16(p2), bl);
      acc[r][5] = vmlal_high_s16(acc[r][5], p2, b);
      acc[r][6] = vmlal_s16(acc[r][6], vget_low_s16(p3), bl);
      acc[r][7] = vmlal_high_s16(acc[r][7], p3, b);
    }
  }
  int32x4_t out[kMR16][4];
  for (int r = 0; r < kMR16; ++r)
    for (int q = 0; q < 4; ++q) out[r][q] = vpaddq_s32(acc[r][2 * q], acc[r][2 * q + 1]);
  store_rows(out, mr, c, ldc, nr, accumulate);
}

// kAUnsigned: A is the u8 side (u8s8), else P is (s8u8). The u8 side less 128 is s8; the sum
// of products gains 128 * (the s8 side's sum), accumulated by an sdot with ones.
template <bool kAUnsigned>
__attribute__((target("arch=armv8.2-a+dotprod"))) void qgemm_dot(int64_t kc, const void* a, int64_t a_rs, int mr,
                                                                  const void* p, int32_t* c, int64_t ldc, int nr,
                                                                  bool accumulate) {
  EDGEWM_KERNEL_CONTRACT("qgemm_c4_4x16__neondot", mr >= 1 && mr <= kMR8 && nr >= 1 && nr <= kNR && kc % 4 == 0);
  const uint8_t* ar[kMR8];
  for (int r = 0; r < kMR8; ++r) ar[r] = static_cast<const uint8_t*>(a) + (r < mr ? r : mr - 1) * a_rs;
  int32x4_t acc[kMR8][4], sums[4];  // sums: per column group (u8s8) or per row (s8u8)
  for (int q = 0; q < 4; ++q) {
    sums[q] = vdupq_n_s32(0);
    for (int r = 0; r < kMR8; ++r) acc[r][q] = vdupq_n_s32(0);
  }
  const int8x16_t ones = vdupq_n_s8(1);
  const uint8x16_t flip = vdupq_n_u8(0x80);
  const int8_t* pp = static_cast<const int8_t*>(p);
  for (int64_t k = 0; k < kc; k += 4, pp += 4 * kNR) {
    int8x16_t pv[4];
    for (int q = 0; q < 4; ++q) {
      pv[q] = vld1q_s8(pp + 16 * q);
      if constexpr (kAUnsigned) sums[q] = vdotq_s32(sums[q], pv[q], ones);
      else pv[q] = vreinterpretq_s8_u8(veorq_u8(vreinterpretq_u8_s8(pv[q]), flip));
    }
    for (int r = 0; r < kMR8; ++r) {
      const uint32_t w = load4(ar[r] + k);
      const int8x16_t b = vreinterpretq_s8_u32(vdupq_n_u32(kAUnsigned ? w ^ 0x80808080u : w));
      if constexpr (!kAUnsigned) sums[r] = vdotq_s32(sums[r], b, ones);  // every lane: the row's 4 values
      for (int q = 0; q < 4; ++q) acc[r][q] = vdotq_s32(acc[r][q], pv[q], b);
    }
  }
  for (int r = 0; r < kMR8; ++r)
    for (int q = 0; q < 4; ++q) acc[r][q] = vaddq_s32(acc[r][q], vshlq_n_s32(kAUnsigned ? sums[q] : sums[r], 7));
  store_rows(acc, mr, c, ldc, nr, accumulate);
}

// The same two kinds on the 8-bit matrix multiply extension (FEAT_I8MM, ARMv8.6: Cortex-A510/
// A710 and later, Neoverse V1/N2): usmmla multiplies a 2x8 u8 block by a 2x8 s8 block into a
// 2x2 int32 one, 32 products an instruction against sdot's 16, and takes unsigned times signed
// as they are (no shift by 128). Same panels as the dot kernels (c4: 16 columns x 4 k a group):
// two consecutive groups zipped by 32-bit lanes give two columns' 8 k each; A's rows are read 8
// bytes at a time, two rows a vector. k steps of 8, then one of 4 (kc is a multiple of 4) with the
// missing half zero. u8s8: A's rows are the unsigned operand, so each 2x2 block is (rows x
// columns); s8u8: the panel's columns are, so it is (columns x rows), unzipped when stored.
// One k step of qgemm_mmla: the panel's groups g0 and g1 (g1 zero in the last half step), A's
// row pairs in `rows`. (A function of its own: a lambda would not carry the target attribute.)
template <bool kAUnsigned>
__attribute__((target("arch=armv8.2-a+i8mm"), always_inline)) inline void mmla_step(int32x4_t (&acc)[2][8],
                                                                                     const uint8x16_t (&g0)[4],
                                                                                     const uint8x16_t (&g1)[4],
                                                                                     const uint8x16_t (&rows)[2]) {
  for (int q = 0; q < 4; ++q) {
    const uint8x16_t lo = vreinterpretq_u8_u32(vzip1q_u32(vreinterpretq_u32_u8(g0[q]), vreinterpretq_u32_u8(g1[q])));
    const uint8x16_t hi = vreinterpretq_u8_u32(vzip2q_u32(vreinterpretq_u32_u8(g0[q]), vreinterpretq_u32_u8(g1[q])));
    for (int pr = 0; pr < 2; ++pr) {
      if constexpr (kAUnsigned) {
        acc[pr][2 * q] = vusmmlaq_s32(acc[pr][2 * q], rows[pr], vreinterpretq_s8_u8(lo));
        acc[pr][2 * q + 1] = vusmmlaq_s32(acc[pr][2 * q + 1], rows[pr], vreinterpretq_s8_u8(hi));
      } else {
        acc[pr][2 * q] = vusmmlaq_s32(acc[pr][2 * q], lo, vreinterpretq_s8_u8(rows[pr]));
        acc[pr][2 * q + 1] = vusmmlaq_s32(acc[pr][2 * q + 1], hi, vreinterpretq_s8_u8(rows[pr]));
      }
    }
  }
}

template <bool kAUnsigned>
__attribute__((target("arch=armv8.2-a+i8mm"))) void qgemm_mmla(int64_t kc, const void* a, int64_t a_rs, int mr,
                                                                const void* p, int32_t* c, int64_t ldc, int nr,
                                                                bool accumulate) {
  EDGEWM_KERNEL_CONTRACT("qgemm_c4_4x16__neoni8mm", mr >= 1 && mr <= kMR8 && nr >= 1 && nr <= kNR && kc % 4 == 0);
  const uint8_t* ar[kMR8];
  for (int r = 0; r < kMR8; ++r) ar[r] = static_cast<const uint8_t*>(a) + (r < mr ? r : mr - 1) * a_rs;
  int32x4_t acc[2][8];  // [row pair][column pair]: a 2x2 block each
  for (auto& row : acc)
    for (auto& v : row) v = vdupq_n_s32(0);
  const uint8_t* pp = static_cast<const uint8_t*>(p);
  int64_t k = 0;
  for (; k + 8 <= kc; k += 8, pp += 8 * kNR) {
    uint8x16_t g0[4], g1[4], rows[2];
    for (int q = 0; q < 4; ++q) g0[q] = vld1q_u8(pp + 16 * q), g1[q] = vld1q_u8(pp + 4 * kNR + 16 * q);
    for (int pr = 0; pr < 2; ++pr) rows[pr] = vcombine_u8(vld1_u8(ar[2 * pr] + k), vld1_u8(ar[2 * pr + 1] + k));
    mmla_step<kAUnsigned>(acc, g0, g1, rows);
  }
  if (k < kc) {  // the last 4 k: the other half zero
    uint8x16_t g0[4], g1[4], rows[2];
    for (int q = 0; q < 4; ++q) g0[q] = vld1q_u8(pp + 16 * q), g1[q] = vdupq_n_u8(0);
    for (int pr = 0; pr < 2; ++pr)
      rows[pr] = vcombine_u8(vcreate_u8(load4(ar[2 * pr] + k)), vcreate_u8(load4(ar[2 * pr + 1] + k)));
    mmla_step<kAUnsigned>(acc, g0, g1, rows);
  }
  int32x4_t out[kMR8][4];
  for (int pr = 0; pr < 2; ++pr)
    for (int q = 0; q < 4; ++q) {
      const int32x4_t x = acc[pr][2 * q], y = acc[pr][2 * q + 1];
      if constexpr (kAUnsigned) {  // blocks (r0c0 r0c1 r1c0 r1c1)
        out[2 * pr][q] = vreinterpretq_s32_s64(vzip1q_s64(vreinterpretq_s64_s32(x), vreinterpretq_s64_s32(y)));
        out[2 * pr + 1][q] = vreinterpretq_s32_s64(vzip2q_s64(vreinterpretq_s64_s32(x), vreinterpretq_s64_s32(y)));
      } else {  // blocks (c0r0 c0r1 c1r0 c1r1)
        out[2 * pr][q] = vuzp1q_s32(x, y);
        out[2 * pr + 1][q] = vuzp2q_s32(x, y);
      }
    }
  store_rows(out, mr, c, ldc, nr, accumulate);
}

bool cpu_has_i8mm() { return getauxval(AT_HWCAP2) & HWCAP2_I8MM; }

}  // namespace

std::vector<std::array<QGemmMicro, 2>> neon_qgemm_byte_kernels() {
  std::vector<std::array<QGemmMicro, 2>> v;
  if (getauxval(AT_HWCAP) & HWCAP_ASIMDDP)
    v.push_back({QGemmMicro{"qgemm_u8s8_4x16c4__neondot", QOperands::kU8S8, kMR8, kNR, 4, qgemm_dot<true>},
                 QGemmMicro{"qgemm_s8u8_4x16c4__neondot", QOperands::kS8U8, kMR8, kNR, 4, qgemm_dot<false>}});
  if (cpu_has_i8mm())
    v.push_back({QGemmMicro{"qgemm_u8s8_4x16c4__neoni8mm", QOperands::kU8S8, kMR8, kNR, 4, qgemm_mmla<true>},
                 QGemmMicro{"qgemm_s8u8_4x16c4__neoni8mm", QOperands::kS8U8, kMR8, kNR, 4, qgemm_mmla<false>}});
  return v;
}

const QGemmKernels& neon_qgemm_kernels() {
  static const QGemmKernels k = [] {
    QGemmKernels t = kQGemmPortable;
    t.s16 = {"qgemm_s16_3x16c2__neon", QOperands::kS16, kMR16, kNR, 2, qgemm_s16};
    // The last of the byte kernels: i8mm where the CPU has it, else sdot (both exact for any
    // weights: no pair sums saturate).
    if (const auto bytes = neon_qgemm_byte_kernels(); !bytes.empty()) {
      t.u8s8 = bytes.back()[0];
      t.s8u8 = bytes.back()[1];
      t.c4_exact = true;
    }
    return t;
  }();
  return k;
}

}  // namespace edgewm
