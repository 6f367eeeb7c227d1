// edgewm.UpsampleConv (see ref/nn_upsample_conv.cc) as four GEMMs, one per output phase: each
// phase is a 2x2 convolution of the low-resolution input, packed by im2col, written to scratch
// and interleaved into the output.
#include "kernels/conv/upsample_conv_gemm.h"

#include <algorithm>

#include "kernels/conv/im2col.h"
#include "kernels/gemm/gemm_blocked.h"
#include "kernels/ref/nn.h"

namespace edgewm {

using namespace ref::nn;

namespace {

// Widest input the GEMM path packs (pack_im2col_2d's stack buffer holds the padded rows of one
// 256-column panel); wider images take the direct loops.
constexpr int64_t kMaxGemmWidth = 2048;

struct Dims {
  int64_t n, c, h, w, m;
};

Dims dims(const Shape& x, const Shape& wp) { return {x[0], x[1], x[2], x[3], wp[1]}; }

// Phase p's 2x2 convolution as an ordinary window: output (a, b) reads rows a+py-1.., so the
// top padding is 1-py and the bottom py (likewise for columns).
Window phase_window(const Dims& d, int p) {
  const int64_t py = p / 2, px = p % 2;
  Window w;
  w.nd = 2;
  w.in[0] = w.out[0] = d.h;
  w.in[1] = w.out[1] = d.w;
  w.kernel[0] = w.kernel[1] = 2;
  w.stride[0] = w.stride[1] = w.dilation[0] = w.dilation[1] = 1;
  w.pad_begin[0] = 1 - py, w.pad_begin[1] = 1 - px;
  w.pad_end[0] = py, w.pad_end[1] = px;
  return w;
}

}  // namespace

size_t upsample_conv_gemm_scratch(const Node& n, const Graph& g) {
  const Dims d = dims(g.value(n.inputs[0]).shape, g.value(n.inputs[1]).shape);
  if (d.w > kMaxGemmWidth) return 0;  // not supported
  // One phase's outputs (all images) before they are interleaved, then the GEMM's panels.
  return static_cast<size_t>(d.n * d.m * d.h * d.w) * sizeof(float) + 64 +
         gemm_scratch_bytes<float>(d.h * d.w, 4 * d.c);
}

bool upsample_conv_gemm_supports(const Node& n, const Graph& g) { return g.value(n.inputs[0]).shape[3] <= kMaxGemmWidth; }

void upsample_conv_f32_with(const KernelContext& ctx, const GemmMicroF32* micro) {
  const Dims d = dims(ctx.in(0).shape, ctx.in(1).shape);
  const int64_t HW = d.h * d.w, K = 4 * d.c, rows = d.n * d.m;
  const float *X = ctx.in(0).as<float>(), *Wp = ctx.in(1).as<float>();
  const float* B = ctx.has_in(2) ? ctx.in(2).as<float>() : nullptr;
  float* Y = ctx.out(0).as<float>();
  float* phase_out = scratch_aligned<float>(ctx.scratch);
  uint8_t* gemm_scratch = reinterpret_cast<uint8_t*>(phase_out + rows * HW);
  const size_t gemm_bytes = ctx.scratch_bytes - static_cast<size_t>(gemm_scratch - static_cast<uint8_t*>(ctx.scratch));
  for (int p = 0; p < 4; ++p) {
    const Window win = phase_window(d, p);
    ctx.pool->parallel_for(rows, 16, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) std::fill(phase_out + r * HW, phase_out + (r + 1) * HW, B ? B[r % d.m] : 0.f);
    });
    auto pack = [&](int64_t b, int64_t k0, int64_t kc, int64_t j0, int64_t nc, float* dst, int64_t ldp) {
      pack_im2col_2d(win, X + b * d.c * HW, k0, kc, j0, nc, dst, ldp);  // fits: d.w <= kMaxGemmWidth
    };
    const float* wp = Wp + p * d.m * K;
    gemm_run<float>(
        ctx.pool, gemm_scratch, gemm_bytes, d.n, d.m, HW, K, K, 1, [&](int64_t) { return wp; }, HW,
        [&](int64_t b) { return phase_out + b * d.m * HW; }, 1.f, pack, micro);
    // Interleave: phase (py, px) fills every other column of every other row.
    const int64_t py = p / 2, px = p % 2, OW = 2 * d.w;
    ctx.pool->parallel_for(rows, 16, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const float* src = phase_out + r * HW;
        float* y = Y + r * 4 * HW + py * OW + px;
        for (int64_t a = 0; a < d.h; ++a, y += 2 * OW, src += d.w)
          for (int64_t b = 0; b < d.w; ++b) y[2 * b] = src[b];
      }
    });
  }
}

namespace {
void upsample_conv_portable(const KernelContext& ctx) { upsample_conv_f32_with(ctx, nullptr); }
}  // namespace

void register_portable_upsample_conv(OpRegistry& r) {
  r.add_kernel("UpsampleConv",
               KernelDef{"portable", upsample_conv_portable, upsample_conv_gemm_supports, 1, upsample_conv_gemm_scratch},
               "edgewm");
}

}  // namespace edgewm
