// edgewm.UpsampleConv: nearest 2x upsampling followed by a 3x3 'same' convolution (a UNet's
// upsampler), computed on the low-resolution input. Every output pixel of phase (py, px) =
// (row, column) parity reads only 2x2 input pixels, so the fusion pass (passes/fuse_upsample_conv)
// sums the 3x3 weights into four 2x2 kernels:
//   Y[n, m, 2a+py, 2b+px] = B[m] + sum_{c,i,j} Wp[2py+px, m, c, i, j] * X[n, c, a+py-1+i, b+px-1+j]
// (zero outside X): 16 instead of 36 multiplies per output pixel and (input, output) channel
// pair, and the 4x larger upsampled tensor is never written. The reference computes that sum
// directly (in double); the GEMM kernels are kernels/conv/upsample_conv_gemm.cc.
#include "kernels/ref/nn.h"

namespace edgewm {

namespace {

struct Dims {
  int64_t n, c, h, w, m;
};

Dims dims(const Shape& x, const Shape& wp) { return {x[0], x[1], x[2], x[3], wp[1]}; }

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

void upsample_conv_ref(const KernelContext& ctx) {
  const Dims d = dims(ctx.in(0).shape, ctx.in(1).shape);
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

}  // namespace

void register_upsample_conv_ops(OpRegistry& r) {
  r.add({"UpsampleConv", "edgewm", infer_upsample_conv, {KernelDef{"ref", upsample_conv_ref}}, false, false,
         std::vector<std::string>{}});
}

}  // namespace edgewm
