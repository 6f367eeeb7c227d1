#include "kernels/pool/pool2d.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <type_traits>
#include <vector>

#include "edgewm/thread_pool.h"
#include "kernels/cpu_features.h"
#include "kernels/ref/nn.h"
#include "kernels/scratch.h"

namespace edgewm {

namespace {

constexpr int kSlots = 8;  // workers at most, each with its padded plane

// The window as the reference computes it (dilations per opset as there).
bool window(const Attributes& a, const Shape& x, bool max, int opset, ref::nn::Window& w) {
  const bool dilations = max ? opset >= 10 : opset >= 19;
  bool unsupported = false;
  return ref::nn::compute_window(a, x, a.get_ints("kernel_shape"), true, dilations, w, &unsupported).empty();
}

// The padded plane the windows read: rows and columns from -pad_begin to the last window's end.
int64_t padded_rows(const ref::nn::Window& w) { return (w.out[0] - 1) * w.stride[0] + (w.kernel[0] - 1) * w.dilation[0] + 1; }
int64_t padded_cols(const ref::nn::Window& w) { return (w.out[1] - 1) * w.stride[1] + (w.kernel[1] - 1) * w.dilation[1] + 1; }

// Per output position along one axis: window taps inside the input (`valid`), or inside the
// padded extent (count_include_pad: not the taps ceil_mode adds past it).
std::vector<float> tap_counts(const ref::nn::Window& w, int d, bool include_pad) {
  std::vector<float> c(static_cast<size_t>(w.out[d]));
  for (int64_t o = 0; o < w.out[d]; ++o) {
    int64_t n = 0;
    for (int64_t k = 0; k < w.kernel[d]; ++k) {
      const int64_t i = o * w.stride[d] - w.pad_begin[d] + k * w.dilation[d];
      n += include_pad ? i < w.in[d] + w.pad_end[d] : (i >= 0 && i < w.in[d]);
    }
    c[static_cast<size_t>(o)] = static_cast<float>(n);
  }
  return c;
}

// One output row: max or sum over the window's taps, reading the padded plane.
template <bool kMax, class T>
void pool_row(const T* buf, int64_t PC, const ref::nn::Window& w, int64_t oy, T fill, T* y) {
  const int64_t OW = w.out[1], sw = w.stride[1];
  for (int64_t ox = 0; ox < OW; ++ox) y[ox] = fill;
  for (int64_t ky = 0; ky < w.kernel[0]; ++ky)
    for (int64_t kx = 0; kx < w.kernel[1]; ++kx) {
      const T* src = buf + (oy * w.stride[0] + ky * w.dilation[0]) * PC + kx * w.dilation[1];
      if constexpr (kMax) {
        for (int64_t ox = 0; ox < OW; ++ox) {
          const T v = src[ox * sw];
          y[ox] = v > y[ox] || v != v ? v : y[ox];  // NaN wins, and stays
        }
      } else {
        for (int64_t ox = 0; ox < OW; ++ox) y[ox] += src[ox * sw];
      }
    }
}

// T: float (max and average), or the 8-bit integers of a quantised model's MaxPool (what
// fold-qdq-movement leaves between Q and DQ: the max of the integers is the max of the values).
template <class T>
void pool2d(const KernelContext& ctx, bool max) {
  const TensorView &xv = ctx.in(0), &yv = ctx.out(0);
  ref::nn::Window w;
  window(ctx.attrs(), xv.shape, max, ctx.node->opset, w);
  const int64_t planes = xv.shape[0] * xv.shape[1], IH = w.in[0], IW = w.in[1], OH = w.out[0], OW = w.out[1];
  const int64_t PR = padded_rows(w), PC = padded_cols(w);
  const T fill = max ? (std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest())
                     : T(0);
  std::vector<float> inv;  // 1 / divisor per output position (average)
  if (!max) {
    const bool include_pad = ctx.attrs().get_int("count_include_pad", 0) == 1;
    const auto cy = tap_counts(w, 0, include_pad), cx = tap_counts(w, 1, include_pad);
    inv.resize(static_cast<size_t>(OH * OW));
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) inv[static_cast<size_t>(oy * OW + ox)] = 1.f / (cy[static_cast<size_t>(oy)] * cx[static_cast<size_t>(ox)]);
  }
  const T* X = static_cast<const T*>(xv.data);
  T* Y = static_cast<T*>(yv.data);
  T* pads = scratch_aligned<T>(ctx.scratch);
  const int slots = static_cast<int>(std::min<int64_t>({kSlots, planes, ctx.pool->size()}));
  std::atomic<int64_t> next{0};
  ctx.pool->parallel_for(slots, 1, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s) {
      T* buf = pads + s * PR * PC;
      for (int64_t plane; (plane = next.fetch_add(1)) < planes;) {
        const T* x = X + plane * IH * IW;
        // Columns [lo, hi) of each padded row are the input row; the rest is padding.
        const int64_t lo = std::min(PC, w.pad_begin[1]), hi = std::clamp<int64_t>(IW + w.pad_begin[1], lo, PC);
        for (int64_t r = 0; r < PR; ++r) {
          T* b = buf + r * PC;
          const int64_t iy = r - w.pad_begin[0];
          if (iy < 0 || iy >= IH) {
            std::fill(b, b + PC, fill);
            continue;
          }
          std::fill(b, b + lo, fill);
          std::copy(x + iy * IW + (lo - w.pad_begin[1]), x + iy * IW + (hi - w.pad_begin[1]), b + lo);
          std::fill(b + hi, b + PC, fill);
        }
        for (int64_t oy = 0; oy < OH; ++oy) {
          T* y = Y + (plane * OH + oy) * OW;
          if (max) {
            pool_row<true>(buf, PC, w, oy, fill, y);
          } else if constexpr (std::is_same_v<T, float>) {
            pool_row<false>(buf, PC, w, oy, fill, y);
            for (int64_t ox = 0; ox < OW; ++ox) y[ox] *= inv[static_cast<size_t>(oy * OW + ox)];
          }
        }
      }
    }
  });
}

}  // namespace

bool pool2d_supports(const Node& n, const Graph& g) {
  const Value& x = g.value(n.inputs[0]);
  const bool max = n.op_type == "MaxPool";
  const bool type_ok = x.dtype == DType::kF32 || (max && (x.dtype == DType::kU8 || x.dtype == DType::kI8));
  if (cpu_isa() == Isa::kScalar || !type_ok || x.shape.rank() != 4) return false;
  if (n.outputs.size() > 1 && n.outputs[1] != kNoValue) return false;  // Indices
  ref::nn::Window w;
  return window(n.attrs, x.shape, max, n.opset, w) && w.out[0] > 0 && w.out[1] > 0;
}

size_t pool2d_scratch(const Node& n, const Graph& g) {
  ref::nn::Window w;
  const Value& x = g.value(n.inputs[0]);
  if (x.shape.rank() != 4 || !window(n.attrs, x.shape, n.op_type == "MaxPool", n.opset, w)) return 0;
  return static_cast<size_t>(kSlots * padded_rows(w) * padded_cols(w)) * sizeof(float) + 64;
}

void max_pool2d(const KernelContext& ctx) {
  switch (ctx.in(0).dtype) {
    case DType::kU8: return pool2d<uint8_t>(ctx, true);
    case DType::kI8: return pool2d<int8_t>(ctx, true);
    default: return pool2d<float>(ctx, true);
  }
}
void average_pool2d_f32(const KernelContext& ctx) { pool2d<float>(ctx, false); }

void register_pool2d(OpRegistry& r) {
  r.add_kernel("MaxPool", KernelDef{"pool2d", max_pool2d, pool2d_supports, 5, pool2d_scratch});
  r.add_kernel("AveragePool", KernelDef{"pool2d", average_pool2d_f32, pool2d_supports, 5, pool2d_scratch});
}

}  // namespace edgewm
