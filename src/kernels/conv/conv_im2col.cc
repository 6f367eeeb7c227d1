// Conv as a GEMM per (image, group) whose B operand is packed by im2col straight from the image,
// bias and FusedConv's addend written first, the activation applied to finished output blocks.
// With a micro-kernel from an ISA table (conv_f32_with) it is the fast f32 Conv; without one
// ("portable", f32 and f64) it runs the plain C++ micro-kernel on any CPU.
#include "kernels/conv/conv_im2col.h"

#include <cstring>

#include "kernels/conv/im2col.h"
#include "kernels/gemm/gemm_blocked.h"
#include "kernels/isa_table.h"
#include "kernels/ref/dispatch.h"
#include "kernels/ref/grid_map.h"

namespace edgewm {

using namespace ref::nn;

size_t conv_scratch(const Node& n, const Graph& g) {
  const Value& x = g.value(n.inputs[0]);
  const Value& w = g.value(n.inputs[1]);
  const Value& y = g.value(n.outputs[0]);
  const int64_t K = w.shape[1] * Shape(w.shape.dims().subspan(2)).numel();  // GEMM depth
  const int64_t N = Shape(y.shape.dims().subspan(2)).numel();                // GEMM width
  return x.dtype == DType::kF64 ? gemm_scratch_bytes<double>(N, K) : gemm_scratch_bytes<float>(N, K);
}

namespace {

template <class T> void conv_t(const KernelContext& ctx, const GemmMicroF32* micro, const RowKernelsF32* rows) {
  const TensorView& xv = ctx.in(0);
  const TensorView& wv = ctx.in(1);
  const TensorView& yv = ctx.out(0);
  Window win;
  bool unsupported = false;
  compute_window(ctx.attrs(), xv.shape, wv.shape.dims().subspan(2), false, true, win, &unsupported);
  const int64_t N = xv.shape[0], C = xv.shape[1], M = wv.shape[0];
  const int64_t G = ctx.attrs().get_int("group", 1);
  const int64_t Cg = C / G, Mg = M / G, KS = win.kernel_size(), K = Cg * KS;
  const int64_t IHW = win.in_size(), OHW = win.out_size();
  const T* X = xv.as<T>();
  const T* W = wv.as<T>();
  T* Y = yv.as<T>();
  const T* B = ctx.has_in(2) ? ctx.in(2).as<T>() : nullptr;
  // The GEMM accumulates onto bias (+ edgewm.FusedConv's addend): one pass over Y, in parallel
  // (on a 1x1 conv it costs a third of the GEMM).
  const ConvAddend z = conv_addend(ctx, N, M, OHW);  // none unless f32 edgewm.FusedConv
  ctx.pool->parallel_for(N * M, std::max<int64_t>(1, 4096 / std::max<int64_t>(OHW, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      T* y = Y + r * OHW;
      const T b = B ? B[r % M] : T(0);
      if constexpr (std::is_same_v<T, float>) {
        if (const float* p = z.plane(r / M, r % M)) {
          for (int64_t i = 0; i < OHW; ++i) y[i] = b + p[i];
          continue;
        }
        const float v = b + z.channel(r / M, r % M);
        std::fill(y, y + OHW, v);
        continue;
      }
      std::fill(y, y + OHW, b);
    }
  });
  const GridMap map{win.nd, win.out, win.in, win.stride, win.pad_begin, win.dilation};
  const bool pointwise = im2col_is_pointwise(win);
  auto pack = [&](int64_t b, int64_t k0, int64_t kc, int64_t j0, int64_t nc, T* dst, int64_t ldp) {
    pack_im2col(win, map, pointwise, X + ((b / G) * C + (b % G) * Cg) * IHW, k0, kc, j0, nc, dst, ldp);
  };
  ConvActivation act;
  if constexpr (std::is_same_v<T, float>) act = ConvActivation::of(ctx.attrs()).with_rows(rows);
  auto epilogue = [&](T* c, int64_t rows, int64_t ldc, int64_t nc) {
    if constexpr (std::is_same_v<T, float>) act.apply_rows(c, rows, ldc, nc);
  };
  gemm_run<T>(
      ctx.pool, ctx.scratch, ctx.scratch_bytes, N * G, Mg, OHW, K, K, 1,
      [&](int64_t b) { return W + (b % G) * Mg * K; }, OHW,
      [&](int64_t b) { return Y + ((b / G) * M + (b % G) * Mg) * OHW; }, T(1), pack, micro, epilogue);
}

void conv_portable(const KernelContext& ctx) {
  ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { conv_t<decltype(t)>(ctx, nullptr, nullptr); });
}

}  // namespace

void conv_f32_with(const KernelContext& ctx, const IsaTable& isa) { conv_t<float>(ctx, &isa.gemm, &isa.rows); }

void register_portable_conv(OpRegistry& r) {
  for (const char* op : {"Conv", "edgewm.FusedConv", "edgewm.ConvAdd"}) {
    const std::string_view name(op);
    const bool edgewm_op = name.rfind("edgewm.", 0) == 0;
    r.add_kernel(edgewm_op ? name.substr(7) : name, KernelDef{"portable", conv_portable, nullptr, 1, conv_scratch},
                 edgewm_op ? "edgewm" : "");
  }
}

}  // namespace edgewm
