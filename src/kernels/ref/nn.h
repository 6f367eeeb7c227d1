#pragma once
// The neural-network ops' semantics shared by their reference kernels (nn_*.cc) and the fast
// kernels that reimplement them: sliding-window geometry, FusedConv's addend and activation.
// Nothing here is fast: the blocked GEMM is kernels/gemm/gemm_blocked.h.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>

#include "edgewm/shape.h"
#include "edgewm/thread_pool.h"
#include "ir/op_registry.h"

namespace edgewm {

void register_conv_ops(OpRegistry& r);    // Conv, ConvTranspose
void register_upsample_conv_ops(OpRegistry& r);  // edgewm.UpsampleConv
void register_pool_ops(OpRegistry& r);    // MaxPool, AveragePool, LpPool, Global*Pool
void register_norm_ops(OpRegistry& r);    // BatchNormalization, InstanceNormalization, LayerNormalization, GroupNormalization, LRN
void register_matmul_ops(OpRegistry& r);  // Gemm, MatMul
void register_einsum_ops(OpRegistry& r);  // Einsum
void register_resize_ops(OpRegistry& r);  // Resize, Upsample

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
// (kernels/rows/row_kernels.h) a fast kernel hands in with with_rows.
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
  // defined beside the row kernels (kernels/rows/row_kernels.cc), for the fast conv kernels.
  ConvActivation with_rows(const RowKernelsF32* r) const;
  void apply(float* y, int64_t n) const;  // in place
  void apply_rows(float* c, int64_t rows, int64_t ldc, int64_t n) const {
    if (kind != Kind::kNone)
      for (int64_t r = 0; r < rows; ++r) apply(c + r * ldc, n);
  }
};

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

// ONNX ConvTranspose's output size and leading pads for an input of shape `x` and weights `w`
// ([C, M/group, kernel...]), in a Window whose `in` is the small input and `out` the large
// output (pad_end unused). Returns "" or the problem (*unsupported: a valid model whose
// semantics the ONNX documents disagree on).
std::string convt_geometry(const Attributes& a, const Shape& x, const Shape& w, Window& g, bool* unsupported);

// infer helper: compute_window, reporting through the context.
void compute_window_or_fail(const InferContext& ctx, const Shape& x, std::span<const int64_t> kernel,
                            bool allow_ceil, bool allow_dilations, Window& w);

// The direct convolutions' index arithmetic (float Conv and the integer ones): output position
// p unravelled over the output grid into o[], and the input offset (within one channel plane)
// that kernel tap t reads from there, or -1 when the tap falls in the padding.
inline void unravel_output(const Window& w, int64_t p, int64_t* o) {
  for (int d = w.nd - 1; d >= 0; --d) {
    o[d] = p % w.out[d];
    p /= w.out[d];
  }
}
inline int64_t tap_input_offset(const Window& w, const int64_t* o, int64_t t) {
  int64_t k[kMaxSpatial];
  for (int d = w.nd - 1; d >= 0; --d) {
    k[d] = t % w.kernel[d];
    t /= w.kernel[d];
  }
  int64_t at = 0;
  for (int d = 0; d < w.nd; ++d) {
    const int64_t i = o[d] * w.stride[d] - w.pad_begin[d] + k[d] * w.dilation[d];
    if (i < 0 || i >= w.in[d]) return -1;
    at = at * w.in[d] + i;
  }
  return at;
}

// Floor division for possibly negative numerators (b > 0).
inline int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
inline int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

std::string ints_str(std::span<const int64_t> v);

}  // namespace ref::nn
}  // namespace edgewm
