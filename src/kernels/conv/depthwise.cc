#include "kernels/conv/depthwise_conv.h"

#include <algorithm>
#include <atomic>

#include "edgewm/thread_pool.h"
#include "kernels/isa_table.h"
#include "kernels/ref/nn.h"
#include "kernels/scratch.h"

namespace edgewm {

void DepthwisePlane::set_padding() {
  const int64_t lanes = 16;
  const int64_t cols = (ow + lanes - 1) / lanes * lanes;
  pad_width = (cols - 1) * sw + (kw - 1) * dw + 2;
  pad_rows = (oh - 1) * sh + (kh - 1) * dh + 1;
}

namespace {

constexpr int kSlots = 8;  // workers at most, each with its padded plane

DepthwisePlane geometry(const Attributes& a, const Shape& x, const Shape& w) {
  ref::nn::Window win;
  bool unsupported = false;
  ref::nn::compute_window(a, x, w.dims().subspan(2), false, true, win, &unsupported);
  DepthwisePlane p{x[2], x[3], win.out[0], win.out[1], w[2], w[3], win.stride[0], win.stride[1],
                   win.pad_begin[0], win.pad_begin[1], win.dilation[0], win.dilation[1]};
  p.set_padding();
  return p;
}

}  // namespace

bool is_depthwise_conv(const Node& n, const Graph& g) {
  const Shape& x = g.value(n.inputs[0]).shape;
  const Shape& w = g.value(n.inputs[1]).shape;
  return x.rank() == 4 && w.rank() == 4 && w[1] == 1 && w[0] == x[1] && n.attrs.get_int("group", 1) == x[1];
}

size_t depthwise_scratch(const Node& n, const Graph& g) {
  if (!is_depthwise_conv(n, g)) return 0;
  const DepthwisePlane p = geometry(n.attrs, g.value(n.inputs[0]).shape, g.value(n.inputs[1]).shape);
  return static_cast<size_t>(kSlots * p.padded_floats()) * sizeof(float) + 64;
}

void conv_depthwise_f32(const KernelContext& ctx, const IsaTable& isa) {
  const DepthwisePlaneFn fn = isa.depthwise;
  const TensorView &xv = ctx.in(0), &wv = ctx.in(1), &yv = ctx.out(0);
  const DepthwisePlane p = geometry(ctx.attrs(), xv.shape, wv.shape);
  const int64_t c = xv.shape[1], planes = xv.shape[0] * c, pad_floats = p.padded_floats();
  const float *x = xv.as<float>(), *w = wv.as<float>();
  const float* bias = ctx.has_in(2) ? ctx.in(2).as<float>() : nullptr;
  float* y = yv.as<float>();
  float* pads = scratch_aligned<float>(ctx.scratch);
  const ConvAddend addend = conv_addend(ctx, xv.shape[0], c, p.oh * p.ow);
  const ConvActivation act = ConvActivation::of(ctx.attrs()).with_rows(&isa.rows);
  const int slots = static_cast<int>(std::min<int64_t>({kSlots, planes, ctx.pool->size()}));
  std::atomic<int64_t> next{0};
  ctx.pool->parallel_for(slots, 1, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s)
      for (int64_t i; (i = next.fetch_add(1)) < planes;)
      {
        const int64_t img = i / c, ch = i % c;
        float* yp = y + i * p.oh * p.ow;
        fn(x + i * p.h * p.w, w + ch * p.kh * p.kw, (bias ? bias[ch] : 0.f) + addend.channel(img, ch), p, yp,
           pads + s * pad_floats);
        if (const float* zp = addend.plane(img, ch))
          for (int64_t q = 0; q < p.oh * p.ow; ++q) yp[q] += zp[q];
        act.apply(yp, p.oh * p.ow);
      }
  });
}

}  // namespace edgewm
