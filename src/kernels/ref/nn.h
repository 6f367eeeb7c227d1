#pragma once
// Private to the reference neural-network kernels (nn_*.cc): shared sliding-window geometry
// and the blocked GEMM that Conv, ConvTranspose, Gemm, MatMul and Einsum run on.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>

#include "edgewm/thread_pool.h"
#include "edgewm/shape.h"
#include "ir/op_registry.h"
#include "kernels/gemm/gemm_micro.h"

namespace edgewm {

void register_conv_ops(OpRegistry& r);    // Conv, ConvTranspose
void register_upsample_conv_ops(OpRegistry& r);  // edgewm.UpsampleConv
void register_pool_ops(OpRegistry& r);    // MaxPool, AveragePool, LpPool, Global*Pool
void register_norm_ops(OpRegistry& r);    // BatchNormalization, InstanceNormalization, LayerNormalization, GroupNormalization, LRN
void register_matmul_ops(OpRegistry& r);  // Gemm, MatMul
void register_einsum_ops(OpRegistry& r);  // Einsum
void register_resize_ops(OpRegistry& r);  // Resize, Upsample

// f32 Gemm / MatMul / UpsampleConv / Einsum with the blocked GEMM below around a vectorised
// micro-kernel (kernels/x86/, kernels/arm/); registered as fast kernels by the ISA tables.
// (Conv's driver is kernels/conv/conv_im2col.h.)
void gemm_f32_with(const KernelContext& ctx, const GemmMicroF32* micro);
void matmul_f32_with(const KernelContext& ctx, const GemmMicroF32* micro);
void upsample_conv_f32_with(const KernelContext& ctx, const GemmMicroF32* micro);
void einsum_f32_with(const KernelContext& ctx, const GemmMicroF32* micro);  // GEMM-shaped equations
size_t gemm_scratch(const Node& n, const Graph& g);
size_t matmul_scratch(const Node& n, const Graph& g);
size_t upsample_conv_scratch_bytes(const Node& n, const Graph& g);
size_t einsum_scratch(const Node& n, const Graph& g);

// edgewm.FusedConv: a Conv with its epilogue. Input 3 (optional) is added to the output, either
// one value per (image, channel) broadcast over the plane, or a tensor of the output's shape;
// then the `activation` attribute (ConvActivation) is applied.
struct ConvAddend {
  const float* data = nullptr;  // null: plain Conv
  bool per_channel = false;
  int64_t image_stride = 0;  // elements per image (0: the same for every image)
  int64_t channel_stride = 0;
  // The value to add to every element of (n, m) (0 unless per channel).
  float channel(int64_t n, int64_t m) const {
    return data && per_channel ? data[n * image_stride + m * channel_stride] : 0.f;
  }
  // The plane to add for (n, m), or null when there is none or it is a per-channel value.
  const float* plane(int64_t n, int64_t m) const {
    return data && !per_channel ? data + n * image_stride + m * channel_stride : nullptr;
  }
};
// For an output [N, M, spatial...] of `plane` elements per channel.
ConvAddend conv_addend(const KernelContext& ctx, int64_t N, int64_t M, int64_t plane);

// edgewm.FusedConv's activation, applied by every conv kernel to output rows it has finished
// (still in cache): attribute "activation" = none | relu | clip | hardswish | hardsigmoid |
// leaky_relu | sigmoid | silu, with "activation_min"/"activation_max" (clip) and
// "activation_alpha"/"activation_beta" (hardsigmoid, leaky_relu). Each is what the ONNX op (or
// edgewm.Silu) computes, NaN included; sigmoid and silu use libm's exp, or the vector rows
// (kernels/row_kernels.h) a fast kernel hands in with with_rows.
struct RowKernelsF32;
struct ConvActivation {
  enum class Kind { kNone, kRelu, kClip, kHardSwish, kHardSigmoid, kLeakyRelu, kSigmoid, kSilu };
  Kind kind = Kind::kNone;
  float lo = 0, hi = 0, alpha = 0, beta = 0;
  // sigmoid/silu over a row: a fast kernel's vector row (with_rows), or null: libm's exp.
  void (*vector_row)(const float* x, float* y, int64_t n) = nullptr;
  // Kind::kNone when the name is unknown; infer_conv_add rejects those first.
  static ConvActivation of(const Attributes& attrs);
  static bool known(std::string_view name);
  // The same activation computing sigmoid/silu with an ISA's vector rows (null: libm's exp);
  // defined beside the row kernels (kernels/row_kernels.cc), for the fast conv kernels.
  ConvActivation with_rows(const RowKernelsF32* r) const;
  void apply(float* y, int64_t n) const;  // in place
  void apply_rows(float* c, int64_t rows, int64_t ldc, int64_t n) const {
    if (kind != Kind::kNone)
      for (int64_t r = 0; r < rows; ++r) apply(c + r * ldc, n);
  }
};

// Kernel scratch at its first 64-byte boundary (scratch sizes include the 64 bytes of slack).
template <class T> T* scratch_aligned(void* scratch) {
  return reinterpret_cast<T*>((reinterpret_cast<uintptr_t>(scratch) + 63) & ~uintptr_t(63));
}

namespace ref::nn {

inline constexpr int kMaxSpatial = Shape::kMaxRank - 2;

// ---- sliding windows (Conv, pools) -------------------------------------------------------

// Geometry of a window sliding over the spatial dims of an [N, C, spatial...] tensor.
struct Window {
  int nd = 0;  // number of spatial dims
  int64_t in[kMaxSpatial] = {};
  int64_t out[kMaxSpatial] = {};
  int64_t kernel[kMaxSpatial] = {};
  int64_t stride[kMaxSpatial] = {};
  int64_t dilation[kMaxSpatial] = {};
  int64_t pad_begin[kMaxSpatial] = {};
  int64_t pad_end[kMaxSpatial] = {};

  int64_t in_size() const {
    int64_t n = 1;
    for (int d = 0; d < nd; ++d) n *= in[d];
    return n;
  }
  int64_t out_size() const {
    int64_t n = 1;
    for (int d = 0; d < nd; ++d) n *= out[d];
    return n;
  }
  int64_t kernel_size() const {
    int64_t n = 1;
    for (int d = 0; d < nd; ++d) n *= kernel[d];
    return n;
  }
};

// Reads strides / dilations / pads / auto_pad (and ceil_mode when `allow_ceil`) for an input of
// shape `x` ([N, C, spatial...]) and a window of `kernel`, and computes output sizes with ONNX's
// formulas. Returns "" on success, else the problem; *unsupported tells whether it is a valid
// model that this code does not handle (vs a malformed one). Kernels call it again at run time
// with the inferred (valid) attributes, where it cannot fail.
std::string compute_window(const Attributes& a, const Shape& x, std::span<const int64_t> kernel, bool allow_ceil,
                           bool allow_dilations, Window& w, bool* unsupported);

// infer helper: compute_window, reporting through the context.
void compute_window_or_fail(const InferContext& ctx, const Shape& x, std::span<const int64_t> kernel,
                            bool allow_ceil, bool allow_dilations, Window& w);

// Floor division for possibly negative numerators (b > 0).
inline int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
inline int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

std::string ints_str(std::span<const int64_t> v);

// ---- GEMM --------------------------------------------------------------------------------
// C[b] += alpha * A[b] * B[b] for b in [0, batches): A is M x K addressed through row/column
// strides (so transposed operands need no copy), B is produced block by block by a packer
// (a plain strided matrix for MatMul, im2col straight from the image for Conv), C is row-major
// with row stride ldc. The work is split into (batch, row block, column block) items that
// `kGemmSlots` workers pull from a shared counter; each worker packs B blocks into its own
// slice of the scratch, so the kernel needs gemm_scratch_bytes() of scratch and never allocates.

inline constexpr int64_t kGemmKC = 256;  // depth of a packed B block
inline constexpr int64_t kGemmNC = 256;  // width of a packed B block
inline constexpr int64_t kGemmMC = 64;   // smallest row block when rows are split for parallelism
inline constexpr int kGemmSlots = 8;     // workers (and packed blocks) at most
inline constexpr int64_t kGemmPanelBytes = 512 << 10;  // deepest panel a lone worker packs

template <class T> struct GemmTile {
  static constexpr int MR = 6;
  static constexpr int NR = sizeof(T) >= 8 ? 4 : 16;
};

template <class T> constexpr int64_t gemm_panel_ld(int64_t N) {
  constexpr int NR = GemmTile<T>::NR;
  int64_t nc = std::min<int64_t>(std::max<int64_t>(N, 1), kGemmNC);
  return (nc + NR - 1) / NR * NR;
}
template <class T> constexpr int64_t gemm_panel_elems(int64_t N, int64_t K) {
  return std::min<int64_t>(std::max<int64_t>(K, 1), kGemmKC) * gemm_panel_ld<T>(N);
}
template <class T> constexpr size_t gemm_scratch_bytes(int64_t N, int64_t K) {
  return static_cast<size_t>(kGemmSlots * gemm_panel_elems<T>(N, K)) * sizeof(T) + 64;
}

// Scratch for gemm_run on elements of `t` (the tile sizes depend only on the element size).
inline size_t gemm_scratch_for(DType t, int64_t N, int64_t K) {
  return dtype_size(t) >= 8 ? gemm_scratch_bytes<double>(N, K) : gemm_scratch_bytes<float>(N, K);
}

// mr x nr block of C (mr <= MR, nr <= NR) += alpha * A[mr x kc] * P[kc x nr]; P is a packed
// panel with row stride ldp whose columns past nr are zero. Rows past mr recompute the last
// valid row (their result is discarded), so the loop body is always the full MR x NR tile.
template <class T, int MR, int NR>
inline void gemm_micro(int64_t kc, const T* a, int64_t a_rs, int64_t a_cs, int mr, const T* p, int64_t ldp, T* c,
                       int64_t ldc, int nr, T alpha) {
  T acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NR; ++j) acc[r][j] = T(0);
  const T* ar[MR];
  for (int r = 0; r < MR; ++r) ar[r] = a + (r < mr ? r : mr - 1) * a_rs;
  for (int64_t k = 0; k < kc; ++k) {
    const T* pk = p + k * ldp;
    for (int r = 0; r < MR; ++r) {
      const T av = ar[r][k * a_cs];
      for (int j = 0; j < NR; ++j) acc[r][j] += av * pk[j];
    }
  }
  if (mr == MR && nr == NR) {
    for (int r = 0; r < MR; ++r)
      for (int j = 0; j < NR; ++j) c[r * ldc + j] += alpha * acc[r][j];
  } else {
    for (int r = 0; r < mr; ++r)
      for (int j = 0; j < nr; ++j) c[r * ldc + j] += alpha * acc[r][j];
  }
}

// Packer for a plain strided B: B[k][j] = b[k * rs + j * cs].
template <class T> struct StridedPacker {
  const T* b;  // batch 0
  int64_t batch_stride, rs, cs;
  void operator()(int64_t batch, int64_t k0, int64_t kc, int64_t j0, int64_t nc, T* dst, int64_t ldp) const {
    const T* base = b + batch * batch_stride;
    if (rs == 1 && cs != 1) {  // B transposed (attention's probabilities): 16x16 tiles, both sides in cache lines
      constexpr int64_t kT = 16;
      for (int64_t kt = 0; kt < kc; kt += kT)
        for (int64_t jt = 0; jt < nc; jt += kT) {
          const int64_t kn = std::min(kT, kc - kt), jn = std::min(kT, nc - jt);
          for (int64_t j = 0; j < jn; ++j) {
            const T* src = base + (j0 + jt + j) * cs + k0 + kt;
            for (int64_t k = 0; k < kn; ++k) dst[(kt + k) * ldp + jt + j] = src[k];
          }
        }
      for (int64_t k = 0; k < kc; ++k)
        for (int64_t j = nc; j < ldp; ++j) dst[k * ldp + j] = T(0);
      return;
    }
    for (int64_t k = 0; k < kc; ++k) {
      const T* src = base + (k0 + k) * rs + j0 * cs;
      T* d = dst + k * ldp;
      if (cs == 1) {
        std::memcpy(d, src, static_cast<size_t>(nc) * sizeof(T));
      } else {
        for (int64_t j = 0; j < nc; ++j) d[j] = src[j * cs];
      }
      for (int64_t j = nc; j < ldp; ++j) d[j] = T(0);
    }
  }
};

// AOf(b) -> const T* (A of batch b), COf(b) -> T* (C of batch b),
// Pack(b, k0, kc, j0, nc, dst, ldp) writes B[k0:k0+kc, j0:j0+nc] row-major into dst and zeroes
// columns nc..ldp.
// No epilogue (see gemm_run).
struct NoEpilogue {
  template <class T> void operator()(T*, int64_t, int64_t, int64_t) const {}
};

// epi(c, rows, ldc, nc) runs on each block of C once its last K block is in (still in cache):
// edgewm.FusedConv's activation.
template <class T, class AOf, class COf, class Pack, class Epi = NoEpilogue>
void gemm_run(ThreadPool* pool, void* scratch, size_t scratch_bytes, int64_t batches, int64_t M, int64_t N,
              int64_t K, int64_t a_rs, int64_t a_cs, AOf a_of, int64_t ldc, COf c_of, T alpha, const Pack& pack,
              const GemmMicroF32* micro = nullptr, const Epi& epi = Epi{}) {
  if (batches <= 0 || M <= 0 || N <= 0 || K <= 0) return;
  constexpr int NR = GemmTile<T>::NR;
  const int MR = std::is_same_v<T, float> && micro ? micro->mr_max : GemmTile<T>::MR;  // rows per kernel call
  const int64_t ldp = gemm_panel_ld<T>(N);
  const int64_t panel = gemm_panel_elems<T>(N, K);
  T* panels = scratch_aligned<T>(scratch);
  if (scratch_bytes < gemm_scratch_bytes<T>(N, K))
    throw Error(ErrorKind::kInternal, "gemm: scratch of " + std::to_string(scratch_bytes) + " bytes is too small");
  const int64_t nblocks = (N + kGemmNC - 1) / kGemmNC;
  // Split rows only as far as needed to give every worker something to do: each row block
  // packs its own copy of the B panels, so on one thread the panel is packed once and reused
  // by all M rows (packing im2col costs about as much as 64 rows of FMAs).
  const int threads = pool ? pool->size() : 1;
  const int64_t want_items = threads == 1 ? 1 : 2 * std::min(threads, kGemmSlots);
  int64_t mchunks = std::max<int64_t>(1, (want_items + batches * nblocks - 1) / (batches * nblocks));
  mchunks = std::min<int64_t>(mchunks, (M + kGemmMC - 1) / kGemmMC);
  int64_t mrows = (M + mchunks - 1) / mchunks;
  mrows = (mrows + MR - 1) / MR * MR;
  mchunks = (M + mrows - 1) / mrows;
  // C[i0:i1, j0:j0+nc] += alpha * A[i0:i1, k0:k0+kc] * (packed panel).
  auto compute_rows = [&](const T* a, T* c, int64_t k0, int64_t kc, int64_t j0, int64_t nc, const T* pbuf, int64_t i0,
                          int64_t i1) {
    for (int64_t i = i0; i < i1; i += MR) {
      const int mr = static_cast<int>(std::min<int64_t>(MR, i1 - i));
      const T* ai = a + i * a_rs + k0 * a_cs;
      if constexpr (std::is_same_v<T, float>) {
        if (micro) {
          for (int64_t j = 0; j < nc; j += micro->nr_max) {
            const int nr = static_cast<int>(std::min<int64_t>(micro->nr_max, nc - j));
            micro->fn(kc, ai, a_rs, a_cs, mr, pbuf + j, ldp, c + i * ldc + j0 + j, ldc, nr, alpha);
          }
          continue;
        }
      }
      for (int64_t j = 0; j < nc; j += NR) {
        const int nr = static_cast<int>(std::min<int64_t>(NR, nc - j));
        gemm_micro<T, GemmTile<T>::MR, NR>(kc, ai, a_rs, a_cs, mr, pbuf + j, ldp, c + i * ldc + j0 + j, ldc, nr, alpha);
      }
    }
  };
  // Fewer column blocks than threads (small images, deep K): splitting rows would make every
  // thread repack the same panel, so the threads pack it once together, then share it. The
  // shared panel takes every slot's scratch, so it is kGemmSlots times deeper: fewer of the
  // pack/compute hand-overs, which cost as much as the packing on 8x8 images.
  if (pool && threads > 1 && batches * nblocks < threads && M >= 2 * MR) {
    T* pbuf = panels;
    const int64_t row_tiles = (M + MR - 1) / MR;
    const int64_t kc_max = kGemmSlots * (panel / ldp);
    for (int64_t b = 0; b < batches; ++b) {
      const T* a = a_of(b);
      T* c = c_of(b);
      for (int64_t nb = 0; nb < nblocks; ++nb) {
        const int64_t j0 = nb * kGemmNC, nc = std::min(kGemmNC, N - j0);
        for (int64_t k0 = 0; k0 < K; k0 += kc_max) {
          const int64_t kc = std::min(kc_max, K - k0);
          pool->parallel_for(kc, 8, [&](int64_t r0, int64_t r1) { pack(b, k0 + r0, r1 - r0, j0, nc, pbuf + r0 * ldp, ldp); });
          pool->parallel_for(row_tiles, 1, [&](int64_t t0, int64_t t1) {
            const int64_t i0 = t0 * MR, i1 = std::min(M, t1 * MR);
            compute_rows(a, c, k0, kc, j0, nc, pbuf, i0, i1);
            if (k0 + kc >= K) epi(c + i0 * ldc + j0, i1 - i0, ldc, nc);
          });
        }
      }
    }
    return;
  }
  const int64_t items = batches * mchunks * nblocks;
  const int slots = static_cast<int>(std::min<int64_t>(kGemmSlots, items));
  std::atomic<int64_t> next{0};
  // Fewer workers than slots: each takes the scratch of several and packs deeper panels (fewer
  // passes over C), as long as a panel stays well inside L2.
  const int64_t spread = kGemmSlots / slots;
  const int64_t kc_max = std::max(panel / ldp, std::min(spread * (panel / ldp),
                                                          kGemmPanelBytes / (ldp * static_cast<int64_t>(sizeof(T)))));
  auto work = [&](int64_t s_begin, int64_t s_end) {
    for (int64_t s = s_begin; s < s_end; ++s) {
      T* pbuf = panels + s * spread * panel;
      for (int64_t item; (item = next.fetch_add(1)) < items;) {
        const int64_t nb = item % nblocks, mc = (item / nblocks) % mchunks, b = item / (nblocks * mchunks);
        const int64_t j0 = nb * kGemmNC, nc = std::min(kGemmNC, N - j0);
        const int64_t i0 = mc * mrows, i1 = std::min(M, i0 + mrows);
        const T* a = a_of(b);
        T* c = c_of(b);
        for (int64_t k0 = 0; k0 < K; k0 += kc_max) {
          const int64_t kc = std::min(kc_max, K - k0);
          pack(b, k0, kc, j0, nc, pbuf, ldp);
          compute_rows(a, c, k0, kc, j0, nc, pbuf, i0, i1);
        }
        epi(c + i0 * ldc + j0, i1 - i0, ldc, nc);
      }
    }
  };
  if (pool && slots > 1) {
    // (ThreadPool::parallel_for takes its functor by forwarding reference but cannot take an lvalue.)
    pool->parallel_for(slots, 1, [&](int64_t b, int64_t e) { work(b, e); });
  } else {
    work(0, 1);
  }
}

}  // namespace ref::nn
}  // namespace edgewm
