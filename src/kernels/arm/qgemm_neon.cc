// The NEON integer micro-kernels (qgemm_micro.h), 16 columns:
// qgemm_s16_3x16c2__neon multiplies 16-bit values with smlal into per-(column, k parity)
// accumulators, added pairwise at the end (every AArch64 CPU; exact for anything);
// qgemm_u8s8_4x16c4__neondot and qgemm_s8u8_4x16c4__neondot multiply bytes with sdot (ARMv8.2
// dot product: 4 s8 x s8 products into each int32 lane), the unsigned side shifted to s8 by
// -128 and the difference added back (128 times the other side's sums, one more sdot per
// column or row group); unlike vpmaddubsw nothing saturates, so no pair-safety limit applies.
// The dot-product kernels carry their own target attribute and are reached only where the
// CPU reports the feature (HWCAP_ASIMDDP); the rest of the integer table is the portable one.
#include <arm_neon.h>
#include <sys/auxv.h>

#include <cstring>

#include "kernels/gemm/gemm_micro.h"
#include "kernels/gemm/qgemm_micro.h"

#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
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

}  // namespace

const QGemmKernels& neon_qgemm_kernels() {
  static const QGemmKernels k = [] {
    QGemmKernels t = kQGemmPortable;
    t.s16 = {"qgemm_s16_3x16c2__neon", QOperands::kS16, kMR16, kNR, 2, qgemm_s16};
    if (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) {
      t.u8s8 = {"qgemm_u8s8_4x16c4__neondot", QOperands::kU8S8, kMR8, kNR, 4, qgemm_dot<true>};
      t.s8u8 = {"qgemm_s8u8_4x16c4__neondot", QOperands::kS8U8, kMR8, kNR, 4, qgemm_dot<false>};
      t.c4_exact = true;  // sdot on (u - 128) x s8: exact for any weights
    }
    return t;
  }();
  return k;
}

}  // namespace edgewm
