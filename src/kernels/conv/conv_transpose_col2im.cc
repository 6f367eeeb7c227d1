// ConvTranspose as a GEMM into a column tile (Wg^T x Xg: every input position's contribution
// to every kernel tap) followed by col2im, a scatter-add of each output channel's rows into its
// own plane. "portable" (f32, f64) on the plain C++ tile; f32 on an ISA's micro-kernel through
// conv_transpose_f32_with.
#include "kernels/conv/conv_transpose_col2im.h"

#include <algorithm>

#include "kernels/gemm/gemm_blocked.h"
#include "kernels/ref/dispatch.h"
#include "kernels/ref/grid_map.h"
#include "kernels/ref/nn.h"

namespace edgewm {

using namespace ref::nn;

namespace {

// Columns (input positions) per tile: the column buffer is Mg*KS x tile.
int64_t convt_tile(int64_t rows, int64_t in_size, size_t elem) {
  const int64_t budget = int64_t{8} << 20;
  int64_t t = budget / std::max<int64_t>(1, rows * static_cast<int64_t>(elem));
  t = std::max<int64_t>(t, 16);
  return std::max<int64_t>(1, std::min(t, in_size));
}

}  // namespace

size_t conv_transpose_scratch(const Node& n, const Graph& g) {
  const Value& x = g.value(n.inputs[0]);
  const Value& w = g.value(n.inputs[1]);
  const size_t elem = dtype_size(x.dtype);
  const int64_t rows = w.shape[1] * Shape(w.shape.dims().subspan(2)).numel();
  const int64_t in_size = Shape(x.shape.dims().subspan(2)).numel();
  const int64_t tile = convt_tile(rows, in_size, elem);
  const int64_t group = n.attrs.get_int("group", 1);
  const int64_t K = x.shape[1] / std::max<int64_t>(group, 1);
  const size_t gemm = x.dtype == DType::kF64 ? gemm_scratch_bytes<double>(tile, K) : gemm_scratch_bytes<float>(tile, K);
  return static_cast<size_t>(rows * tile) * elem + 64 + gemm;
}

namespace {

template <class T> void conv_transpose_t(const KernelContext& ctx, const GemmMicroF32* micro) {
  const TensorView& xv = ctx.in(0);
  const TensorView& wv = ctx.in(1);
  const TensorView& yv = ctx.out(0);
  Window geo;
  bool unsupported = false;
  convt_geometry(ctx.attrs(), xv.shape, wv.shape, geo, &unsupported);
  const int64_t N = xv.shape[0], C = xv.shape[1];
  const int64_t G = ctx.attrs().get_int("group", 1);
  const int64_t Cg = C / G, Mg = wv.shape[1], M = Mg * G, KS = geo.kernel_size();
  const int64_t rows = Mg * KS, IHW = geo.in_size(), OHW = geo.out_size();
  const T* X = xv.as<T>();
  const T* W = wv.as<T>();
  T* Y = yv.as<T>();
  const T* B = ctx.has_in(2) ? ctx.in(2).as<T>() : nullptr;
  for (int64_t r = 0; r < N * M; ++r) std::fill(Y + r * OHW, Y + (r + 1) * OHW, B ? B[r % M] : T(0));
  if (IHW == 0 || OHW == 0) return;
  const int64_t tile = convt_tile(rows, IHW, sizeof(T));
  T* col = scratch_aligned<T>(ctx.scratch);
  uint8_t* gemm_scratch = reinterpret_cast<uint8_t*>(col + rows * tile);
  const size_t gemm_bytes = ctx.scratch_bytes - static_cast<size_t>(gemm_scratch - static_cast<uint8_t*>(ctx.scratch));
  GridMap map{geo.nd, geo.in, geo.out, geo.stride, geo.pad_begin, geo.dilation};
  const int L = geo.nd - 1;
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t g = 0; g < G; ++g) {
      const T* xg = X + (n * C + g * Cg) * IHW;
      const T* wg = W + g * Cg * rows;  // [Cg, Mg*KS]
      T* yg = Y + (n * M + g * Mg) * OHW;
      for (int64_t j0 = 0; j0 < IHW; j0 += tile) {
        const int64_t nc = std::min(tile, IHW - j0);
        std::fill(col, col + rows * nc, T(0));
        // col[rows x nc] = Wg^T [rows x Cg] * Xg[Cg x nc]
        StridedPacker<T> pack{xg + j0, 0, IHW, 1};
        gemm_run<T>(
            ctx.pool, gemm_scratch, gemm_bytes, 1, rows, nc, Cg, 1, rows, [&](int64_t) { return wg; }, nc,
            [&](int64_t) { return col; }, T(1), pack, micro);
        // col2im: each output channel's rows add into its own plane.
        auto scatter = [&](int64_t oc0, int64_t oc1) {
          for (int64_t oc = oc0; oc < oc1; ++oc) {
            T* yp = yg + oc * OHW;
            for (int64_t kr = 0; kr < KS; ++kr) {
              int64_t kidx[kMaxSpatial];
              kernel_index(geo.kernel, geo.nd, kr, kidx);
              const T* c = col + (oc * KS + kr) * nc;
              const int64_t off = kidx[L] * geo.dilation[L] - geo.pad_begin[L];
              const int64_t s_last = geo.stride[L];
              map.runs(kidx, j0, nc, [&](int64_t rel, int64_t len, int64_t out_row, int64_t s0, int64_t lo, int64_t hi) {
                if (out_row < 0) return;
                T* dst = yp + out_row + off;
                const T* src = c + rel - s0;
                for (int64_t s = lo; s < hi; ++s) dst[s * s_last] += src[s];
              });
            }
          }
        };
        ctx.pool->parallel_for(Mg, 1, [&](int64_t b, int64_t e) { scatter(b, e); });
      }
    }
  }
}

void conv_transpose_portable(const KernelContext& ctx) {
  ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { conv_transpose_t<decltype(t)>(ctx, nullptr); });
}

}  // namespace

void conv_transpose_f32_with(const KernelContext& ctx, const GemmMicroF32* micro) { conv_transpose_t<float>(ctx, micro); }

void register_portable_conv_transpose(OpRegistry& r) {
  r.add_kernel("ConvTranspose", KernelDef{"portable", conv_transpose_portable, nullptr, 1, conv_transpose_scratch});
}

}  // namespace edgewm
