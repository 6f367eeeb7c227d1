#include "kernels/conv/conv_winograd.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>

#include "edgewm/error.h"

#include "kernels/gemm/gemm_blocked.h"
#include "kernels/isa_table.h"
#include "kernels/ref/nn.h"

namespace edgewm {

bool winograd_f23_geometry(const Attributes& attrs, const Shape& x, const Shape& w, WinogradGeometry& geo) {
  if (x.rank() != 4 || w.rank() != 4) return false;
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

namespace {

using Geometry = WinogradGeometry;

bool geometry(const Attributes& attrs, DType dtype, const Shape& x, const Shape& w, Geometry& geo) {
  return dtype == DType::kF32 && winograd_f23_geometry(attrs, x, w, geo);
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
//
// With at least as many blocks as threads (32x32 images and up), each thread takes whole blocks
// with its own planes (one of kSlots sets in scratch): no hand-overs between the transforms and
// the GEMMs (4 blocks of a 32x32 image took 12), 10-20% faster on 2 threads. Otherwise (a 16x16
// image is one block; more threads than slots) all threads share each block in turn. Smaller
// blocks to feed every thread were tried: the 32-wide GEMMs lose more than the hand-overs cost.
constexpr int64_t kBlockTiles = 64;
constexpr int kSlots = 4;

// A plane stride that is a multiple of 4 KiB would put the 16 planes' accesses in one L1
// set; an odd number of cache lines spreads them over 16 sets.
int64_t plane_stride(int64_t floats) {
  int64_t lines = (floats + 15) / 16;
  if (lines % 2 == 0) ++lines;
  return lines * 16;
}

struct Layout {
  int64_t rows = 0;    // tile rows per block
  int64_t ld = 0;      // panel width: the block's tiles rounded up to 16
  int64_t u = 0, v = 0, mo = 0;  // plane strides (floats)
};

Layout layout(const Geometry& geo) {
  Layout l;
  l.rows = std::max<int64_t>(1, std::min<int64_t>(geo.th, kBlockTiles / geo.tw));
  l.ld = (l.rows * geo.tw + 15) / 16 * 16;
  l.u = plane_stride(geo.m * geo.c);
  l.v = plane_stride(geo.c * l.ld);
  l.mo = plane_stride(geo.m * l.ld);
  return l;
}

int64_t blocks(const Geometry& geo, const Layout& l) { return geo.n * ((geo.th + l.rows - 1) / l.rows); }

// Floats of V and Mo planes for one block.
int64_t block_planes(const Layout& l) { return 16 * (l.v + l.mo); }

// Sets of V and Mo planes: one per thread working on its own blocks, at most kSlots.
int64_t slots(const Geometry& geo, const Layout& l) { return std::clamp<int64_t>(blocks(geo, l), 1, kSlots); }

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
  return static_cast<size_t>(16 * l.u + slots(geo, l) * block_planes(l)) * sizeof(float) + 64;
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

namespace {

// fn(begin, end) over [0, n): on the pool, or inline when a thread owns the whole block.
template <class F> void for_range(ThreadPool* pool, int64_t n, int64_t grain, F&& fn) {
  if (pool) pool->parallel_for(n, grain, fn);
  else fn(int64_t{0}, n);
}

struct Block {
  int64_t img, ty0, ty1;
};

// One block of tile rows of one image: input transform into V, the 16 GEMMs into Mo, output
// transform into y (+ bias, + FusedConv's addend).
void run_block(const KernelContext& ctx, const Geometry& geo, const Layout& l, const Block& blk, const float* u,
               float* v, float* mo, const IsaTable& isa, ThreadPool* pool) {
  const GemmMicroF32* micro = &isa.gemm;
  const WinogradTransforms* t = &isa.winograd;
  const RowKernelsF32* rows = &isa.rows;
  const WinogradShape ws{geo.h, geo.w, geo.oh, geo.ow, geo.pad_t, geo.pad_l, geo.th, geo.tw};
  const float* x = ctx.in(0).as<float>() + blk.img * geo.c * geo.h * geo.w;
  float* y = ctx.out(0).as<float>() + blk.img * geo.m * geo.oh * geo.ow;
  const float* bias = ctx.has_in(2) ? ctx.in(2).as<float>() : nullptr;
  const ConvAddend addend = conv_addend(ctx, geo.n, geo.m, geo.oh * geo.ow);
  const int64_t nc = (blk.ty1 - blk.ty0) * geo.tw;
  for_range(pool, geo.c, 4, [&](int64_t b, int64_t e) {
    for (int64_t ch = b; ch < e; ++ch)
      t->input_rows(x + ch * geo.h * geo.w, ws, blk.ty0, blk.ty1, v + ch * l.ld, l.v, l.ld);
  });
  // Mo[xi] = U[xi] (m x c) * V[xi] (c x nc): one item per (xi, MR-row tile of output channels).
  const int MR = micro->mr_max;
  const int64_t row_tiles = (geo.m + MR - 1) / MR;
  for_range(pool, 16 * row_tiles, 1, [&](int64_t b, int64_t e) {
    for (int64_t item = b; item < e; ++item) {
      const int64_t xi = item / row_tiles, i = (item % row_tiles) * MR;
      const int mr = static_cast<int>(std::min<int64_t>(MR, geo.m - i));
      const float* a = u + xi * l.u + i * geo.c;
      float* c = mo + xi * l.mo + i * l.ld;
      for (int r = 0; r < mr; ++r) std::memset(c + r * l.ld, 0, static_cast<size_t>(nc) * sizeof(float));
      for (int64_t k0 = 0; k0 < geo.c; k0 += kGemmKC) {
        const int64_t kc = std::min(kGemmKC, geo.c - k0);
        const float* p = v + xi * l.v + k0 * l.ld;
        for (int64_t j = 0; j < nc; j += micro->nr_max) {
          const int nr = static_cast<int>(std::min<int64_t>(micro->nr_max, nc - j));
          micro->fn(kc, a + k0, geo.c, 1, mr, p + j, l.ld, c + j, l.ld, nr, 1.f);
        }
      }
    }
  });
  const ConvActivation act = ConvActivation::of(ctx.attrs()).with_rows(rows);
  const int64_t oy0 = 2 * blk.ty0, oy1 = std::min(geo.oh, 2 * blk.ty1);
  for_range(pool, geo.m, 4, [&](int64_t b, int64_t e) {
    for (int64_t oc = b; oc < e; ++oc) {
      float* yc = y + oc * geo.oh * geo.ow;
      t->output_rows(mo + oc * l.ld, (bias ? bias[oc] : 0.f) + addend.channel(blk.img, oc), ws, blk.ty0, blk.ty1, yc,
                     addend.plane(blk.img, oc), l.mo);
      act.apply(yc + oy0 * geo.ow, (oy1 - oy0) * geo.ow);
    }
  });
}

}  // namespace

void conv_winograd_f23(const KernelContext& ctx, const IsaTable& isa) {
  const TensorView &xv = ctx.in(0), &wv = ctx.in(1);
  Geometry geo;
  if (!geometry(ctx.attrs(), xv.dtype, xv.shape, wv.shape, geo))
    throw Error(ErrorKind::kInternal, Graph::where(*ctx.node) + ": Winograd kernel chosen for a node it cannot run");
  const Layout l = layout(geo);
  float* u = scratch_aligned<float>(ctx.scratch);
  float* planes = u + 16 * l.u;
  if (ctx.prepared) u = static_cast<float*>(const_cast<void*>(ctx.prepared));  // read only below
  else transform_weights(wv.as<float>(), geo, u, l.u, ctx.pool);
  const int64_t per_image = (geo.th + l.rows - 1) / l.rows, count = blocks(geo, l);
  auto block = [&](int64_t i) {
    const int64_t ty0 = (i % per_image) * l.rows;
    return Block{i / per_image, ty0, std::min(geo.th, ty0 + l.rows)};
  };
  const int threads = ctx.pool->size();
  if (threads <= slots(geo, l)) {  // every thread on its own blocks (one thread: all of them)
    std::atomic<int64_t> next{0};
    ctx.pool->parallel_for(threads, 1, [&](int64_t s0, int64_t s1) {
      for (int64_t s = s0; s < s1; ++s) {
        float* v = planes + s * block_planes(l);
        for (int64_t i; (i = next.fetch_add(1)) < count;)
          run_block(ctx, geo, l, block(i), u, v, v + 16 * l.v, isa, nullptr);
      }
    });
    return;
  }
  for (int64_t i = 0; i < count; ++i) run_block(ctx, geo, l, block(i), u, planes, planes + 16 * l.v, isa, ctx.pool);
}

}  // namespace edgewm
