#pragma once
// The integer GEMM micro-kernel contract, what the INT8 drivers (qgemm_blocked.h) run on, one
// instance per operand kind in each ISA's table (kernels/isa_table.h), named by contract like
// the f32 ones: qgemm_<A><P>_<mr>x<nr>c<k_group>__<isa>.
//
//   C[mr x nr] (+)= A[mr x kc] * P[kc x nr]      in int32, wrapping (the spec's accumulator)
//
// A is the broadcast side: rows with a byte stride, k_group consecutive elements of a row read
// at a time. P is a packed panel: for each group of k_group rows, nr_max columns of k_group
// consecutive elements (column j's group at j * k_group), columns past nr zero. kc is a
// multiple of k_group (pad both sides with zeros).
//
// Operand kinds, and what each costs on AVX2 (vpmaddubsw adds its u8 x s8 pair products in
// saturating 16 bits):
//   u8s8 c4: A u8, P s8 (MatMul: activations x weights)        vpmaddubsw + vpmaddwd
//   s8u8 c4: A s8, P u8 (NCHW Conv: weights x im2col)           the same instructions
//   s16 c2:  A s16, P s16 (anything: exact widening)             vpmaddwd
// The c4 kinds are exact only when every pair of s8 values k, k+1 (k even) has positive parts
// summing to <= 128 and negative parts to <= 128 (255 * 128 fits 16 bits): weights within 7
// bits always are. Whoever packs the s8 side checks that (qgemm_pair_safe) and uses s16
// otherwise, so no kernel ever saturates. The zero points are the driver's: subtracted while
// packing an s16 operand, or folded into a per-row or per-column constant for the c4 kinds
// (the s8 side's sums times the u8 side's zero point).
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace edgewm {

enum class QOperands { kU8S8, kS8U8, kS16 };

// accumulate: add to C instead of overwriting it (K blocks after the first). mr in [1, mr_max],
// nr in [1, nr_max]; C has row stride ldc (int32 elements).
using QGemmFn = void (*)(int64_t kc, const void* a, int64_t a_rs, int mr, const void* p, int32_t* c, int64_t ldc,
                         int nr, bool accumulate);

struct QGemmMicro {
  const char* name;  // its contract name, e.g. "qgemm_s8u8_4x16c4__avx2"
  QOperands operands;
  int mr_max, nr_max;
  int k_group;  // 4 for the byte kinds, 2 for s16
  QGemmFn fn;
};

// The requantising epilogue of one row of C:
//   out[j] = clamp(round_half_even(float(c[j] + bias + bias_col[j]) * (scale_col ? scale_col[j] : scale)) + zero_point, lo, hi)
// with the product in float32 (as the reference kernels and ONNX Runtime compute it); a NaN
// product gives the zero point. bias_col and scale_col may be null; out is u8 (is_signed false)
// or s8, and [lo, hi] lies within its range (a fused ReLU raises lo).
struct RequantizeRow {
  const int32_t* bias_col = nullptr;
  int32_t bias = 0;
  const float* scale_col = nullptr;
  float scale = 1.f;
  int32_t zero_point = 0, lo = 0, hi = 255;
  bool is_signed = false;
};
using RequantizeRowFn = void (*)(const int32_t* c, int64_t n, const RequantizeRow& q, void* out);

// Element j of that, one at a time (the vector epilogues' tails). Internal linkage: each
// ISA's file gets its own copy, compiled with its flags, never one shared across them.
static inline int32_t requantize_one(const int32_t* c, int64_t j, const RequantizeRow& q) {
  const uint32_t s = static_cast<uint32_t>(c[j]) + static_cast<uint32_t>(q.bias) +
                     (q.bias_col ? static_cast<uint32_t>(q.bias_col[j]) : 0u);
  const float v = static_cast<float>(static_cast<int32_t>(s)) * (q.scale_col ? q.scale_col[j] : q.scale);
  if (std::isnan(v)) return q.zero_point;
  const float lo = static_cast<float>(q.lo - q.zero_point), hi = static_cast<float>(q.hi - q.zero_point);
  return static_cast<int32_t>(std::nearbyint(v < lo ? lo : (v > hi ? hi : v))) + q.zero_point;
}

// The integer Winograd transforms, F(2x2, 3x3) and F(4x4, 3x3) (kernels/quant/
// qlinear_winograd.cc says how); tw counts the variant's tiles (2x2 or 4x4 outputs).
struct QWinogradShape {
  int64_t c = 0, cp = 0, h = 0, w = 0, pad_t = 0, pad_l = 0, tw = 0;  // cp: c rounded up to even
};
// The input transforms pad the block's rows on the stack: kPadBytes for both channels.
inline constexpr int64_t kPadBytes = 48 << 10;
// Whether tile rows of `e` x `e` outputs (2 or 4) fit those buffers.
// Rows of e * tw + 2 columns, with room for loads 16 * e bytes past the last tile's.
inline int64_t qwinograd_row_stride(int64_t tw, int e) { return (e * tw + 2 + 16 * e + 31) / 32 * 32; }
inline bool qwinograd_fits(const QWinogradShape& s, int64_t tile_rows, int e = 2) {
  const int64_t stride = qwinograd_row_stride(s.tw, e);
  return s.tw <= (e == 2 ? 512 : 128) && 2 * (e * tile_rows + 2) * stride <= kPadBytes;
}
struct QWinogradTransforms {
  // Channels c0 and c0 + 1 (zeros past c) of tile rows [ty0, ty1) of image x (u8, or s8 when
  // x_signed), less the zero point, into the (e + 2)^2 planes (stride `plane`) of the s16
  // micro-kernel's panels, tiles numbered from ty0's first. qwinograd_fits(s, ty1 - ty0, e).
  void (*input_pair)(const void* x, bool x_signed, int32_t zx, const QWinogradShape& s, int64_t ty0, int64_t ty1,
                     int64_t c0, int16_t* v, int64_t plane);
  // One channel's tile row (its planes from column 0, stride mplane) into its e output rows,
  // e * tw int32 each, row r at rows + r * e * tw: the convolution's exact sums (F(4x4): where
  // they lie within +-2^25, which the driver proves before it chooses the variant).
  void (*output_tile_row)(const int32_t* m, int64_t mplane, int64_t tw, int32_t* rows);
};

// QuantizeLinear / DequantizeLinear rows (one scale and zero point), bit for bit the reference.
enum class QElement { kU8, kS8, kS32 };
struct QuantizeRows {
  void (*quantize)(const float* x, int64_t n, float scale, float zero_point, bool is_signed, void* y);  // y u8 or s8
  void (*dequantize)(const void* x, QElement kind, int64_t n, float scale, float zero_point, float* y);
};

// One output row of a depthwise convolution's int32 sums (quant/qdepthwise_row_portable.h): x is
// the row's top-left in a padded int16 plane (row stride pw) of x less its zero point, w the
// channel's kh x kw taps less theirs; strides and dilations as the window has them.
using QDepthwiseRowFn = void (*)(const int16_t* x, int64_t pw, const int16_t* w, int kh, int kw, int sw, int dh, int dw,
                                 int64_t ow, int32_t* acc);

// One ISA's integer building blocks.
struct QGemmKernels {
  QGemmMicro u8s8, s8u8, s16;
  RequantizeRowFn requantize_row;
  QWinogradTransforms winograd;    // F(2x2, 3x3)
  QWinogradTransforms winograd43;  // F(4x4, 3x3)
  QuantizeRows rows;
  QDepthwiseRowFn depthwise_row;
  // The byte kinds sum exactly for any s8 values (vpdpbusd, sdot: no 16-bit pair sums), so the
  // packers may give them full 8-bit weights, not only pair-safe ones (qlinear_*_prepare_exact).
  bool c4_exact = false;
};

// Whether the c4 kinds are exact for the s8 values w[0..k) (see above): pairs (k, k+1), k even,
// w[k] for odd k paired with 0.
bool qgemm_pair_safe(const int8_t* w, int64_t k);

// The portable instances (kernels/gemm/qgemm_portable.cc): any CPU, and the tests' second
// opinion on the vector ones. Constant-initialised, so ISA tables may take their address.
extern const QGemmKernels kQGemmPortable;
// x86 (kernels/x86/qgemm_avx2.cc, the Winograd transforms in x86/qwinograd_avx2.cc).
extern const QGemmKernels kQGemmAvx2;
// The other x86 targets' micro-kernels, {u8s8, s8u8, s16} (x86/qgemm_tile_x86.h), each with the
// AVX2 epilogue, transforms and rows around them (x86/isa_tables.cc picks one per table):
// AVX-512 BW (x86/qgemm_avx512.cc), AVX-512 VNNI (qgemm_avx512vnni.cc), AVX-VNNI (qgemm_avxvnni.cc).
extern const QGemmMicro kQGemmMicroAvx512Bw[3];
extern const QGemmMicro kQGemmMicroAvx512Vnni[3];
extern const QGemmMicro kQGemmMicroAvxVnni[3];
// ARM64 (kernels/arm/qgemm_neon.cc): the NEON s16 kernel, i8mm or sdot byte kernels where the CPU has
// the extension, the rest portable; chosen on first use.
const QGemmKernels& neon_qgemm_kernels();
// Every pair of NEON byte micro-kernels (u8s8, s8u8) this CPU runs, the table's last: sdot, then
// i8mm (tests run each one).
std::vector<std::array<QGemmMicro, 2>> neon_qgemm_byte_kernels();
void qwinograd_input_pair__avx2(const void* x, bool x_signed, int32_t zx, const QWinogradShape& s, int64_t ty0,
                                int64_t ty1, int64_t c0, int16_t* v, int64_t plane);
void qwinograd_output_tile_row__avx2(const int32_t* m, int64_t mplane, int64_t tw, int32_t* rows);
void qwinograd43_input_pair__avx2(const void* x, bool x_signed, int32_t zx, const QWinogradShape& s, int64_t ty0,
                                  int64_t ty1, int64_t c0, int16_t* v, int64_t plane);
void qwinograd43_output_tile_row__avx2(const int32_t* m, int64_t mplane, int64_t tw, int32_t* rows);

}  // namespace edgewm
