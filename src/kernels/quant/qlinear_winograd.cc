// QLinearConv 3x3 (stride 1, no dilation, one group) by integer Winograd, exact.
//
// F(2x2, 3x3): with G' = 2G = [2 0 0; 1 1 1; 1 -1 1; 0 0 2] every transform is an integer one,
// the weights' U = G' w G'^T (|U| <= 9 * 128) and the input's V = B^T (x - x_zero_point) B
// (|V| <= 4 * 255) fit 16 bits, their products go through the exact s16 micro-kernel
// (vpmaddwd), and the output transform A^T M A gives 4 times the direct convolution's sum, in
// int32 modulo 2^32 and exact wherever that sum fits (C <= 1024 guarantees it). 16 multiplies
// per 2x2 outputs instead of 36, with no 7-bit limit on the weights.
//
// F(4x4, 3x3) (qwinograd43_transforms_portable.h has the matrices): G's rows scaled to integers
// give |U'| <= 49 * 128 and |V| <= 100 * 255, still 16 bits (and a vpmaddwd pair sum below
// 2^31); the output transform gives 576 times the sum modulo 2^32, from which the sum comes back
// exactly while it lies within +-2^25. Where every output channel's bound (the sum of its
// |weights| times the largest |x - zero point|) proves that, 36 multiplies per 4x4 outputs
// (144 direct, 64 by F(2x2)); where not, F(2x2) runs. Either way the output is bit for bit the
// reference's.
//
// Per block of tile rows (about kBlockTiles tiles): the input transform writes V straight in the
// micro-kernel's panels (channel pairs interleaved); then, per mr output channels, the 16 or 36
// GEMMs into a small int32 tile set and the output transform, requantised row by row into y.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <vector>

#include "kernels/conv/conv_winograd.h"
#include "kernels/gemm/gemm_blocked.h"
#include "kernels/quant/qconv_output.h"
#include "kernels/quant/qlinear.h"
#include "kernels/quant/qparams.h"
#include "kernels/scratch.h"

namespace edgewm {

using namespace qparams;

namespace {

enum : size_t { kX, kXs, kXz, kW, kWs, kWz, kYs, kYz, kBias };

// The s16 micro-kernels' tile width, and rows at most (qgemm_micro.h; AVX-512's 12): scratch is
// sized for that many, the planes laid out for the running kernel's own.
constexpr int kNR = 16, kMaxMR = 12;
constexpr int64_t kMaxChannels = 1024;  // F(2x2): 4 * 9 * C * 255 * 128 < 2^31, the int32 sums stay exact
constexpr int64_t kMaxSum43 = int64_t{1} << 25;  // F(4x4): |sum| below this comes back from 576 * sum modulo 2^32

// E x E outputs a tile (2 or 4), P transform points.
template <int E> constexpr int kPoints = (E + 2) * (E + 2);
// Tiles per block: V then stays within about 64 x 16 points x C s16 (F(4x4): half the tiles, 36 planes).
template <int E> constexpr int64_t kBlockTiles = E == 2 ? 64 : 32;

struct Geo : WinogradGeometry {
  int64_t cp = 0;            // channels rounded up to pairs
  int64_t rows = 0, ld = 0;  // tile rows per block, panel width (tiles per block rounded to 16)
};

template <int E> bool geometry(const Attributes& a, const Shape& x, const Shape& w, Geo& g) {
  if (!winograd_f23_geometry(a, x, w, g)) return false;
  g.th = (g.oh + E - 1) / E, g.tw = (g.ow + E - 1) / E, g.tiles = g.th * g.tw;
  g.cp = (g.c + 1) / 2 * 2;
  g.rows = std::max<int64_t>(1, std::min<int64_t>(g.th, kBlockTiles<E> / g.tw));
  g.ld = (g.rows * g.tw + kNR - 1) / kNR * kNR;
  return true;
}

// Worth it on deep GEMMs from 16 tiles (an 8x8 image) up, unlike the f32 kernel (64): the
// integer im2col kernel multiplies bytes no faster than this one 16-bit values, so the 2.25x
// fewer products win sooner (256 channels at 8x8, 1 thread: 0.43 against 0.53 ms, AMD EPYC).
// F(4x4) likewise from 16 of its tiles (a 16x16 image). Any number of output channels: with
// few (a UNet's 3-channel conv_out) im2col's K x N bytes of packing dominate, which the input
// transform's ~2.25 values per input pixel and channel do not (64 -> 3 channels at 32x32:
// 0.27 -> 0.07 ms).
template <int E> bool worthwhile(const Geo& g) {
  const QWinogradShape ws{g.c, g.cp, g.h, g.w, g.pad_t, g.pad_l, g.tw};
  return g.tiles >= 16 && g.c >= 16 && (E == 4 || g.c <= kMaxChannels) && qwinograd_fits(ws, g.rows, E);
}

// F(4x4)'s exactness: every output channel's |sum| < 2^25, bounded by its weights' |w - w_zp|
// summed times the largest |x - x_zp| the input's type allows.
bool sums_within_f43_bound(const Node& n, const Graph& g) {
  const Value& x = g.value(n.inputs[kX]);
  const Value& w = g.value(n.inputs[kW]);
  const int64_t zx = static_cast<int64_t>(at(n, g, kXz, 0));
  const int64_t dmax = x.dtype == DType::kI8 ? std::max(zx + 128, 127 - zx) : std::max(zx, 255 - zx);
  const int64_t M = w.shape[0], per = w.shape.numel() / std::max<int64_t>(M, 1);
  for (int64_t m = 0; m < M; ++m) {
    const int64_t wz = static_cast<int64_t>(at(n, g, kWz, m));
    int64_t sum = 0;
    for (int64_t i = m * per; i < (m + 1) * per; ++i)
      sum += std::abs(static_cast<int64_t>(ref::mv::load_as_double(w.constant, i)) - wz);
    if (sum * dmax >= kMaxSum43) return false;
  }
  return true;
}

struct WinogradPlan {
  int64_t m = 0, cp = 0;
  std::vector<int16_t> u;     // [16][M][Cp]
  int32_t zx = 0;
  bool x_signed = false;
  QConvOutput out;
};

// Bytes of scratch: V for one block, and per slot P tiles of mr x ld int32 plus output rows.
// Plane strides of an odd number of cache lines: at a multiple of 4 KiB the planes of a tile
// would share one L1 set (the input transform's stores missed on every one: 3x slower).
int64_t odd_lines(int64_t bytes) {
  int64_t lines = (bytes + 63) / 64;
  if (lines % 2 == 0) ++lines;
  return lines * 64;
}
int64_t v_plane(const Geo& g) { return odd_lines(g.cp * g.ld * 2) / 2; }  // s16 elements
int64_t mo_plane(const Geo& g, int mr) { return odd_lines(mr * g.ld * 4) / 4; }  // int32 elements
template <int E> size_t v_bytes(const Geo& g) { return static_cast<size_t>(kPoints<E> * v_plane(g)) * 2; }
template <int E> size_t slot_bytes(const Geo& g, int mr = kMaxMR) {
  return static_cast<size_t>(kPoints<E> * mo_plane(g, mr) + E * E * g.tw + 16) * 4;
}

// G' (G with integer rows) of each variant: U = G' w G'^T.
constexpr int32_t kG23[4][3] = {{2, 0, 0}, {1, 1, 1}, {1, -1, 1}, {0, 0, 2}};
constexpr int32_t kG43[6][3] = {{1, 0, 0}, {-1, -1, -1}, {-1, 1, -1}, {1, 2, 4}, {1, -2, 4}, {0, 0, 1}};

template <int E> bool supports(const Node& n, const Graph& g) {
  if (!qlinear_conv_supports(n, g)) return false;
  Geo geo;
  if (!geometry<E>(n.attrs, g.value(n.inputs[kX]).shape, g.value(n.inputs[kW]).shape, geo) || !worthwhile<E>(geo))
    return false;
  return E == 2 || sums_within_f43_bound(n, g);
}

template <int E> size_t scratch(const Node& n, const Graph& g) {
  Geo geo;
  if (!geometry<E>(n.attrs, g.value(n.inputs[kX]).shape, g.value(n.inputs[kW]).shape, geo)) return 0;
  return v_bytes<E>(geo) + kGemmSlots * slot_bytes<E>(geo) + 128;
}

template <int E> std::shared_ptr<const void> prepare(const KernelContext& ctx, const Graph& g) {
  constexpr int R = E + 2, P = kPoints<E>;
  const auto& gm = [] {
    if constexpr (E == 2) return kG23;
    else return kG43;
  }();
  const Node& n = *ctx.node;
  Geo geo;
  if (!geometry<E>(ctx.attrs(), ctx.in(kX).shape, ctx.in(kW).shape, geo)) return nullptr;
  auto plan = std::make_shared<WinogradPlan>();
  const int64_t M = geo.m, C = geo.c, Cp = geo.cp;
  plan->m = M;
  plan->cp = Cp;
  plan->u.assign(static_cast<size_t>(P * M * Cp), 0);
  plan->out = QConvOutput::of(n, g, ctx.out(0).dtype, M);
  for (int64_t m = 0; m < M; ++m) {
    const int32_t wz = static_cast<int32_t>(at(n, g, kWz, m));
    for (int64_t c = 0; c < C; ++c) {
      int32_t w[9];
      for (int k = 0; k < 9; ++k) w[k] = static_cast<int32_t>(ref::mv::load_as_double(ctx.in(kW), (m * C + c) * 9 + k)) - wz;
      int32_t t[R][3];  // G' w
      for (int r = 0; r < R; ++r)
        for (int j = 0; j < 3; ++j) t[r][j] = gm[r][0] * w[j] + gm[r][1] * w[3 + j] + gm[r][2] * w[6 + j];
      for (int r = 0; r < R; ++r)  // (G' w) G'^T
        for (int col = 0; col < R; ++col)
          plan->u[static_cast<size_t>(((r * R + col) * M + m) * Cp + c)] =
              static_cast<int16_t>(t[r][0] * gm[col][0] + t[r][1] * gm[col][1] + t[r][2] * gm[col][2]);
    }
    plan->out.bias[static_cast<size_t>(m)] = static_cast<int32_t>(at(n, g, kBias, m));
  }
  plan->x_signed = ctx.in(kX).dtype == DType::kI8;
  plan->zx = static_cast<int32_t>(at(n, g, kXz, 0));
  return plan;
}

template <class F> void for_range(ThreadPool* pool, int64_t n, int64_t grain, F&& fn) {
  if (pool) pool->parallel_for(n, grain, fn);
  else fn(int64_t{0}, n);
}

template <int E> void run(const KernelContext& ctx, const QGemmKernels& kernels) {
  constexpr int P = kPoints<E>;
  if (!ctx.prepared) throw Error(ErrorKind::kInternal, "QLinearConv: the Winograd weights were not prepared");
  const WinogradPlan& plan = *static_cast<const WinogradPlan*>(ctx.prepared);
  const QGemmMicro& u = kernels.s16;
  const QWinogradTransforms& tf = E == 2 ? kernels.winograd : kernels.winograd43;
  Geo g;
  if (!geometry<E>(ctx.attrs(), ctx.in(kX).shape, ctx.in(kW).shape, g) || u.nr_max != kNR || u.mr_max > kMaxMR)
    throw Error(ErrorKind::kInternal, Graph::where(*ctx.node) + ": integer Winograd kernel chosen for a node it cannot run");
  char* base = scratch_aligned<char>(ctx.scratch);
  int16_t* v = reinterpret_cast<int16_t*>(base);
  const int64_t plane = v_plane(g);  // s16 elements per V plane
  char* slots = base + ((v_bytes<E>(g) + 63) / 64) * 64;
  const int64_t mplane = mo_plane(g, u.mr_max);  // int32 elements per Mo plane of one channel tile
  const uint8_t* X = static_cast<const uint8_t*>(ctx.in(kX).data);
  uint8_t* Y = static_cast<uint8_t*>(ctx.out(0).data);
  const void* R = ctx.has_in(9) ? ctx.in(9).data : nullptr;  // edgewm.QLinearConv's residual
  const int64_t per_image = (g.th + g.rows - 1) / g.rows;
  const int64_t tiles_m = (g.m + u.mr_max - 1) / u.mr_max;
  const int threads = ctx.pool->size();
  const int nslots = static_cast<int>(std::min<int64_t>({kGemmSlots, tiles_m, threads}));
  for (int64_t blk = 0; blk < g.n * per_image; ++blk) {
    const int64_t img = blk / per_image, ty0 = (blk % per_image) * g.rows, ty1 = std::min(g.th, ty0 + g.rows);
    const int64_t nt = (ty1 - ty0) * g.tw;
    // (Columns past the block's tiles and channels past C hold stale values: the kernel never
    // stores those columns, and U is zero for those channels.)
    const uint8_t* xi = X + img * g.c * g.h * g.w;
    const QWinogradShape ws{g.c, g.cp, g.h, g.w, g.pad_t, g.pad_l, g.tw};
    for_range(ctx.pool, g.cp / 2, 1, [&](int64_t b, int64_t e) {
      for (int64_t pair = b; pair < e; ++pair) tf.input_pair(xi, plan.x_signed, plan.zx, ws, ty0, ty1, 2 * pair, v, plane);
    });
    std::atomic<int64_t> next{0};
    auto work = [&](int64_t s0, int64_t s1) {
      for (int64_t s = s0; s < s1; ++s) {
        int32_t* mo = reinterpret_cast<int32_t*>(slots + s * static_cast<int64_t>(slot_bytes<E>(g, u.mr_max)));
        int32_t* rows = mo + P * mplane;
        for (int64_t item; (item = next.fetch_add(1)) < tiles_m;) {
          const int64_t m0 = item * u.mr_max;
          const int mr = static_cast<int>(std::min<int64_t>(u.mr_max, g.m - m0));
          for (int xi2 = 0; xi2 < P; ++xi2) {
            const int16_t* a = plan.u.data() + (xi2 * g.m + m0) * g.cp;
            // The next point's rows of U (mr * Cp, contiguous) while this one multiplies: a whole
            // model's U outgrows the L3, and each point's rows lie 2 * M * Cp bytes apart, a new
            // stream the hardware prefetcher would only find after its first misses.
            if (xi2 + 1 < P) {
              const char* next_a = reinterpret_cast<const char*>(a + g.m * g.cp);
              for (int64_t off = 0; off < mr * g.cp * 2; off += 64) __builtin_prefetch(next_a + off);
            }
            for (int64_t j = 0; j < nt; j += kNR)
              u.fn(g.cp, a, g.cp * 2, mr, v + xi2 * plane + (j / kNR) * g.cp * kNR, mo + xi2 * mplane + j, g.ld,
                   static_cast<int>(std::min<int64_t>(kNR, nt - j)), false);
          }
          for (int r = 0; r < mr; ++r) {
            const int64_t ch = m0 + r, yc = (img * g.m + ch) * g.oh * g.ow;
            for (int64_t ty = ty0; ty < ty1; ++ty) {
              tf.output_tile_row(mo + r * g.ld + (ty - ty0) * g.tw, mplane, g.tw, rows);
              for (int dy = 0; dy < E && E * ty + dy < g.oh; ++dy)
                plan.out.store(kernels, rows + dy * E * g.tw, g.ow, ch, yc + (E * ty + dy) * g.ow, Y, R);
            }
          }
        }
      }
    };
    if (nslots > 1) ctx.pool->parallel_for(nslots, 1, [&](int64_t b, int64_t e) { work(b, e); });
    else work(0, 1);
  }
}

}  // namespace

bool qlinear_winograd_supports(const Node& n, const Graph& g) { return supports<2>(n, g); }
size_t qlinear_winograd_scratch(const Node& n, const Graph& g) { return scratch<2>(n, g); }
std::shared_ptr<const void> qlinear_winograd_prepare(const KernelContext& ctx, const Graph& g) { return prepare<2>(ctx, g); }
void qlinear_winograd_with(const KernelContext& ctx, const QGemmKernels& kernels) { run<2>(ctx, kernels); }

// Measured on Zen 4 (AVX-512 VNNI: the byte micro-kernel 216 GMAC/s, the s16 one 108), seed UNet
// INT8, 1 thread: F(2x2)'s 2.25x fewer products lose to bytes (8x8, 256 channels: 0.45 ms
// against 0.27 by im2col); F(4x4)'s 4x fewer tie at 16x16 (16 tiles: each transformed weight,
// 8x the bytes of the im2col ones, serves 16 tiles; 256 channels 1.08 against 0.91 ms) and win
// from 32x32 (64 tiles: 0.18 against 0.31 ms).
bool qlinear_winograd_beats_exact_bytes(const Node& n, const Graph& g, int e) {
  Geo geo;
  return e == 4 && geometry<4>(n.attrs, g.value(n.inputs[kX]).shape, g.value(n.inputs[kW]).shape, geo) && geo.tiles >= 64;
}

bool qlinear_winograd43_supports(const Node& n, const Graph& g) { return supports<4>(n, g); }
size_t qlinear_winograd43_scratch(const Node& n, const Graph& g) { return scratch<4>(n, g); }
std::shared_ptr<const void> qlinear_winograd43_prepare(const KernelContext& ctx, const Graph& g) { return prepare<4>(ctx, g); }
void qlinear_winograd43_with(const KernelContext& ctx, const QGemmKernels& kernels) { run<4>(ctx, kernels); }

}  // namespace edgewm
