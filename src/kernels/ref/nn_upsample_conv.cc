// edgewm.UpsampleConv: nearest 2x upsampling followed by a 3x3 'same' convolution (a UNet's
// upsampler), computed on the low-resolution input. Every output pixel of phase (py, px) =
// (row, column) parity reads only 2x2 input pixels, so the fusion pass (passes/fuse_upsample_conv)
// sums the 3x3 weights into four 2x2 kernels:
//   Y[n, m, 2a+py, 2b+px] = B[m] + sum_{c,i,j} Wp[2py+px, m, c, i, j] * X[n, c, a+py-1+i, b+px-1+j]
// (zero outside X): 16 instead of 36 multiplies per output pixel and (input, output) channel
// pair, and the 4x larger upsampled tensor is never written.
#include "kernels/conv/im2col.h"
#include "kernels/ref/nn.h"

namespace edgewm {

using namespace ref::nn;

namespace {

struct Dims {
  int64_t n, c, h, w, m;
};

Dims dims(const Shape& x, const Shape& wp) { return {x[0], x[1], x[2], x[3], wp[1]}; }

// Widest input the GEMM path packs (pack_im2col_2d's stack buffer holds the padded rows of one
// 256-column panel); wider images take the direct loops.
constexpr int64_t kMaxGemmWidth = 2048;

void infer_upsample_conv(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32});
  ctx.expect_dtype(1, {DType::kF32});
  const Shape &x = ctx.shape(0), &wp = ctx.shape(1);
  ctx.check(x.rank() == 4, "input must be [N, C, H, W], got " + x.str());
  ctx.check(wp.rank() == 5 && wp[0] == 4 && wp[2] == x[1] && wp[3] == 2 && wp[4] == 2,
            "weights must be [4, M, " + std::to_string(x[1]) + ", 2, 2] (one 2x2 kernel per output phase), got " +
                wp.str());
  if (ctx.has_input(2)) {
    ctx.expect_dtype(2, {DType::kF32});
    ctx.check(ctx.shape(2) == Shape{wp[1]}, "bias must be [" + std::to_string(wp[1]) + "], got " + ctx.shape(2).str());
  }
  ctx.set_output(0, DType::kF32, Shape{x[0], wp[1], 2 * x[2], 2 * x[3]});
}

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

size_t upsample_conv_scratch(const Node& n, const Graph& g) {
  const Dims d = dims(g.value(n.inputs[0]).shape, g.value(n.inputs[1]).shape);
  if (d.w > kMaxGemmWidth) return 0;
  // One phase's outputs (all images) before they are interleaved, then the GEMM's panels.
  return static_cast<size_t>(d.n * d.m * d.h * d.w) * sizeof(float) + 64 +
         gemm_scratch_bytes<float>(d.h * d.w, 4 * d.c);
}

void direct(const KernelContext& ctx, const Dims& d) {
  const float *X = ctx.in(0).as<float>(), *Wp = ctx.in(1).as<float>();
  const float* B = ctx.has_in(2) ? ctx.in(2).as<float>() : nullptr;
  float* Y = ctx.out(0).as<float>();
  const int64_t OW = 2 * d.w;
  ctx.pool->parallel_for(d.n * d.m, 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t n = r / d.m, m = r % d.m;
      float* y = Y + r * 4 * d.h * d.w;
      for (int64_t oy = 0; oy < 2 * d.h; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
          const int64_t a = oy / 2, b = ox / 2, p = (oy % 2) * 2 + ox % 2;
          double s = B ? B[m] : 0.0;
          for (int64_t c = 0; c < d.c; ++c)
            for (int64_t i = 0; i < 2; ++i)
              for (int64_t j = 0; j < 2; ++j) {
                const int64_t ih = a + oy % 2 - 1 + i, iw = b + ox % 2 - 1 + j;
                if (ih < 0 || ih >= d.h || iw < 0 || iw >= d.w) continue;
                s += double(Wp[(((p * d.m + m) * d.c + c) * 2 + i) * 2 + j]) * X[((n * d.c + c) * d.h + ih) * d.w + iw];
              }
          y[oy * OW + ox] = static_cast<float>(s);
        }
    }
  });
}

void upsample_conv(const KernelContext& ctx, const GemmMicroF32* micro) {
  const Dims d = dims(ctx.in(0).shape, ctx.in(1).shape);
  if (d.w > kMaxGemmWidth) return direct(ctx, d);
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

void upsample_conv_ref(const KernelContext& ctx) { upsample_conv(ctx, nullptr); }

}  // namespace

void upsample_conv_f32_with(const KernelContext& ctx, const GemmMicroF32* micro) { upsample_conv(ctx, micro); }
size_t upsample_conv_scratch_bytes(const Node& n, const Graph& g) { return upsample_conv_scratch(n, g); }

void register_upsample_conv_ops(OpRegistry& r) {
  r.add({"UpsampleConv", "edgewm", infer_upsample_conv,
         {KernelDef{"ref", upsample_conv_ref, nullptr, 0, upsample_conv_scratch}}});
}

}  // namespace edgewm
