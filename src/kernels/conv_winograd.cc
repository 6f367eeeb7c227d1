#include "kernels/conv_winograd.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "edgewm/error.h"

#include "kernels/ref/nn.h"

namespace edgewm {

namespace {

struct Geometry {
  int64_t n = 0, c = 0, m = 0, h = 0, w = 0, oh = 0, ow = 0, pad_t = 0, pad_l = 0;
  int64_t th = 0, tw = 0, tiles = 0;  // 2x2 output tiles
};

bool geometry(const Attributes& attrs, DType dtype, const Shape& x, const Shape& w, Geometry& geo) {
  if (dtype != DType::kF32 || x.rank() != 4 || w.rank() != 4) return false;
  if (w[2] != 3 || w[3] != 3 || attrs.get_int("group", 1) != 1 || w[1] != x[1]) return false;
  ref::nn::Window win;
  bool unsupported = false;
  if (!ref::nn::compute_window(attrs, x, w.dims().subspan(2), false, true, win, &unsupported).empty()) return false;
  for (int d = 0; d < 2; ++d)
    if (win.stride[d] != 1 || win.dilation[d] != 1) return false;
  geo.n = x[0], geo.c = x[1], geo.m = w[0], geo.h = x[2], geo.w = x[3];
  geo.oh = win.out[0], geo.ow = win.out[1], geo.pad_t = win.pad_begin[0], geo.pad_l = win.pad_begin[1];
  geo.th = (geo.oh + 1) / 2, geo.tw = (geo.ow + 1) / 2, geo.tiles = geo.th * geo.tw;
  return geo.oh > 0 && geo.ow > 0;
}

bool geometry(const Node& n, const Graph& g, Geometry& geo) {
  if (n.inputs.size() < 2 || n.outputs.empty()) return false;
  const Value& x = g.value(n.inputs[0]);
  return geometry(n.attrs, x.dtype, x.shape, g.value(n.inputs[1]).shape, geo);
}

// Worth it when the 16 GEMMs are wide (many tiles) and deep (many channels); on an 8x8 image
// (16 tiles) the transforms and the narrow GEMMs lose to im2col.
bool worthwhile(const Geometry& geo) { return geo.tiles >= 64 && geo.c >= 16 && geo.m >= 16; }

// Tiles are processed a block of whole tile rows at a time, about kBlockTiles, so the 16
// Winograd-domain planes of the block stay in L2. The input transform writes them straight in
// the micro-kernel's panel layout (row per input channel, `ld` columns), so the GEMMs need no
// packing; their results go to Mo planes of the same width.
constexpr int64_t kBlockTiles = 64;

// A plane stride that is a multiple of 4 KiB would put the 16 planes' accesses in one L1
// set; an odd number of cache lines spreads them over 16 sets.
int64_t plane_stride(int64_t floats) {
  int64_t lines = (floats + 15) / 16;
  if (lines % 2 == 0) ++lines;
  return lines * 16;
}

struct Layout {
  int64_t rows = 0;    // tile rows per block
  int64_t ld = 0;      // panel width: the block's tiles rounded up to 32
  int64_t u = 0, v = 0, mo = 0;  // plane strides (floats)
};

Layout layout(const Geometry& geo) {
  Layout l;
  l.rows = std::max<int64_t>(1, std::min<int64_t>(geo.th, kBlockTiles / geo.tw));
  l.ld = (l.rows * geo.tw + 31) / 32 * 32;
  l.u = plane_stride(geo.m * geo.c);
  l.v = plane_stride(geo.c * l.ld);
  l.mo = plane_stride(geo.m * l.ld);
  return l;
}


// U[xi][m][c] = (G g G^T)[xi] with G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1].
void transform_weights(const float* wt, const Geometry& geo, float* u, int64_t ps, ThreadPool* pool) {
  const int64_t mc = geo.m * geo.c;
  pool->parallel_for(mc, 64, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float* g = wt + i * 9;
      float t[4][3];
      for (int j = 0; j < 3; ++j) {
        t[0][j] = g[j];
        t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
        t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
        t[3][j] = g[6 + j];
      }
      for (int r = 0; r < 4; ++r) {
        const float v[4] = {t[r][0], 0.5f * (t[r][0] + t[r][1] + t[r][2]), 0.5f * (t[r][0] - t[r][1] + t[r][2]),
                            t[r][2]};
        for (int col = 0; col < 4; ++col) u[(r * 4 + col) * ps + i] = v[col];
      }
    }
  });
}

}  // namespace

bool winograd_f23_supports(const Node& n, const Graph& g) {
  Geometry geo;
  return geometry(n, g, geo) && worthwhile(geo);
}

size_t winograd_f23_scratch(const Node& n, const Graph& g) {
  Geometry geo;
  if (!geometry(n, g, geo) || !worthwhile(geo)) return 0;
  const Layout l = layout(geo);
  return static_cast<size_t>(16 * (l.u + l.v + l.mo)) * sizeof(float) + 64;
}

std::shared_ptr<const void> winograd_f23_prepare(const KernelContext& ctx, const Graph& g) {
  if (!g.value(ctx.node->inputs[1]).is_constant()) return nullptr;
  Geometry geo;
  if (!geometry(ctx.attrs(), ctx.in(0).dtype, ctx.in(0).shape, ctx.in(1).shape, geo)) return nullptr;
  const Layout l = layout(geo);
  const size_t bytes = static_cast<size_t>(16 * l.u) * sizeof(float);
  auto* u = static_cast<float*>(::operator new(bytes, std::align_val_t{64}));
  std::shared_ptr<const void> owner(u, [](const void* p) { ::operator delete(const_cast<void*>(p), std::align_val_t{64}); });
  transform_weights(ctx.in(1).as<float>(), geo, u, l.u, ctx.pool);
  return owner;
}

void conv_winograd_f23(const KernelContext& ctx, const GemmMicroF32* micro, const WinogradTransforms* t) {
  const TensorView &xv = ctx.in(0), &wv = ctx.in(1), &yv = ctx.out(0);
  Geometry geo;
  if (!geometry(ctx.attrs(), xv.dtype, xv.shape, wv.shape, geo))
    throw Error(ErrorKind::kInternal, Graph::where(*ctx.node) + ": Winograd kernel chosen for a node it cannot run");
  const Layout l = layout(geo);
  float* u = scratch_aligned<float>(ctx.scratch);
  float* v = u + 16 * l.u;
  float* mo = v + 16 * l.v;
  const float* bias = ctx.has_in(2) ? ctx.in(2).as<float>() : nullptr;
  if (ctx.prepared) u = static_cast<float*>(const_cast<void*>(ctx.prepared));  // read only below
  else transform_weights(wv.as<float>(), geo, u, l.u, ctx.pool);
  const WinogradShape ws{geo.h, geo.w, geo.oh, geo.ow, geo.pad_t, geo.pad_l, geo.th, geo.tw};
  const ConvAddend addend = conv_addend(ctx, geo.n, geo.m, geo.oh * geo.ow);
  const int MR = micro->mr_max;
  const int64_t row_tiles = (geo.m + MR - 1) / MR;
  for (int64_t img = 0; img < geo.n; ++img) {
    const float* x = xv.as<float>() + img * geo.c * geo.h * geo.w;
    float* y = yv.as<float>() + img * geo.m * geo.oh * geo.ow;
    for (int64_t ty0 = 0; ty0 < geo.th; ty0 += l.rows) {
      const int64_t ty1 = std::min(geo.th, ty0 + l.rows), nc = (ty1 - ty0) * geo.tw;
      ctx.pool->parallel_for(geo.c, 4, [&](int64_t b, int64_t e) {
        for (int64_t ch = b; ch < e; ++ch) t->input_rows(x + ch * geo.h * geo.w, ws, ty0, ty1, v + ch * l.ld, l.v, l.ld);
      });
      // Mo[xi] = U[xi] (m x c) * V[xi] (c x nc): one item per (xi, MR-row tile of output channels).
      ctx.pool->parallel_for(16 * row_tiles, 1, [&](int64_t b, int64_t e) {
        for (int64_t item = b; item < e; ++item) {
          const int64_t xi = item / row_tiles, i = (item % row_tiles) * MR;
          const int mr = static_cast<int>(std::min<int64_t>(MR, geo.m - i));
          const float* a = u + xi * l.u + i * geo.c;
          float* c = mo + xi * l.mo + i * l.ld;
          for (int r = 0; r < mr; ++r) std::memset(c + r * l.ld, 0, static_cast<size_t>(nc) * sizeof(float));
          for (int64_t k0 = 0; k0 < geo.c; k0 += ref::nn::kGemmKC) {
            const int64_t kc = std::min(ref::nn::kGemmKC, geo.c - k0);
            const float* p = v + xi * l.v + k0 * l.ld;
            for (int64_t j = 0; j < nc; j += micro->nr_max) {
              const int nr = static_cast<int>(std::min<int64_t>(micro->nr_max, nc - j));
              micro->fn(kc, a + k0, geo.c, 1, mr, p + j, l.ld, c + j, l.ld, nr, 1.f);
            }
          }
        }
      });
      ctx.pool->parallel_for(geo.m, 4, [&](int64_t b, int64_t e) {
        for (int64_t oc = b; oc < e; ++oc)
          t->output_rows(mo + oc * l.ld, (bias ? bias[oc] : 0.f) + addend.channel(img, oc), ws, ty0, ty1,
                         y + oc * geo.oh * geo.ow, addend.plane(img, oc), l.mo);
      });
    }
  }
}

}  // namespace edgewm
