// QLinearMatMul (and edgewm.QGemm: the same with B transposed or not and an int32 bias) as an
// integer GEMM per batch: A = the activations (u8 rows read in place, or
// flipped / widened into the slot's buffer), B = the weights less their zero point, packed
// once into the micro-kernel's panels when constant (s8 where pair-safe, else s16), or packed
// per call (activation x activation: attention's products) as s16; the int32 tile requantised
// per column (the weights' per-channel scales) into y.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "kernels/gemm/qgemm_blocked.h"
#include "kernels/quant/qlinear.h"
#include "kernels/quant/qparams.h"
#include "kernels/ref/matmul_geom.h"

namespace edgewm {

using namespace qparams;

namespace {

// Where each operand is: QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp),
// edgewm.QGemm(a, a_scale, a_zp, b, b_scale, b_zp, c, y_scale, y_zp) with transB.
struct MatIo {
  size_t a = 0, as = 1, az = 2, b = 3, bs = 4, bz = 5, ys = 6, yz = 7, c = SIZE_MAX;
  bool gemm = false, trans_b = false;
};
MatIo io_of(const Node& n) {
  MatIo io;
  if (n.op_type != "QGemm") return io;
  io.c = 6, io.ys = 7, io.yz = 8, io.gemm = true;
  io.trans_b = n.attrs.get_int("transB", 0) != 0;
  return io;
}
// B's logical [K, N] shape.
Shape b_shape(const MatIo& io, const Shape& b) { return io.trans_b ? Shape{b[1], b[0]} : b; }

struct MatMulPlan {
  QOperands kind = QOperands::kS16;
  int64_t K = 0, Kp = 0, N = 0;
  std::vector<uint8_t> packed;    // constant B in panels (qgemm_blocked.h), by column block; empty: packed per call
  std::vector<int32_t> bias_col;  // byte kind: -(A's zero point as u8) * the column sums of B
  std::vector<float> mult;        // a_scale * b_scale[j] / y_scale, per column
  std::vector<int32_t> zb;        // B's zero point per column (packing a dynamic B)
  int32_t za = 0;
  bool a_signed = false, b_signed = false;
  RequantizeRow out;
};

// Where the panels of column block nb, K block from k0, start in MatMulPlan::packed.
int64_t packed_offset(const MatMulPlan& p, int64_t j0, int64_t k0, int nr) {
  const int64_t es = qgemm_elem_bytes(p.kind);
  const int64_t nc = std::min(kQGemmNC, p.N - j0), ncp = (nc + nr - 1) / nr * nr;
  return (j0 / kQGemmNC) * p.Kp * kQGemmNC * es + k0 * ncp * es;
}

// The constant B packs as the portable and vector kernels both read it (same tile width).
constexpr int kNR = 16;

}  // namespace

bool qlinear_matmul_supports(const Node& n, const Graph& g) {
  const MatIo io = io_of(n);
  if (n.inputs.size() <= io.yz) return false;
  const Value& a = g.value(n.inputs[io.a]);
  const Value& b = g.value(n.inputs[io.b]);
  if (!a.shape_known || !b.shape_known || !is_int8(a.dtype) || !is_int8(b.dtype)) return false;
  if (a.shape.rank() < 2 || b.shape.rank() < 2) return false;  // 1-D promotion: the reference
  // QGemm: A not transposed, B and C constant (packed once).
  if (io.gemm && (n.attrs.get_int("transA", 0) != 0 || !b.is_constant() || !absent_or_constant(n, g, io.c))) return false;
  for (size_t i : {io.as, io.az, io.bs, io.bz, io.ys, io.yz})
    if (!absent_or_constant(n, g, i)) return false;
  return scalar_or_absent(n, g, io.as) && scalar_or_absent(n, g, io.az) && scalar_or_absent(n, g, io.ys) &&
         scalar_or_absent(n, g, io.yz);
}

namespace {
// exact_bytes: the byte kernels sum exactly (QGemmKernels::c4_exact), so any s8 weights take them.
std::shared_ptr<const void> prepare(const KernelContext& ctx, const Graph& g, bool exact_bytes) {
  const Node& n = *ctx.node;
  const MatIo io = io_of(n);
  auto plan = std::make_shared<MatMulPlan>();
  const TensorView& bv = ctx.in(io.b);
  const Shape bs = b_shape(io, bv.shape);
  const int64_t K = bs[bs.rank() - 2], N = bs[bs.rank() - 1];
  plan->K = K;
  plan->N = N;
  plan->a_signed = ctx.in(io.a).dtype == DType::kI8;
  plan->b_signed = bv.dtype == DType::kI8;
  plan->za = static_cast<int32_t>(at(n, g, io.az, 0));
  const float as = static_cast<float>(at(n, g, io.as, 0, 1)), ys = static_cast<float>(at(n, g, io.ys, 0, 1));
  plan->mult.resize(static_cast<size_t>(N));
  plan->zb.resize(static_cast<size_t>(N));
  for (int64_t j = 0; j < N; ++j) {
    plan->mult[static_cast<size_t>(j)] = as * static_cast<float>(at(n, g, io.bs, j, 1)) / ys;
    plan->zb[static_cast<size_t>(j)] = static_cast<int32_t>(at(n, g, io.bz, j));
  }
  plan->out = output_of(n, g, ctx.out(0).dtype, io.yz);
  const bool constant_b = g.value(n.inputs[io.b]).is_constant() && bs.rank() == 2;
  if (!constant_b) {
    plan->kind = QOperands::kS16;
    plan->Kp = (K + 1) / 2 * 2;
    return plan;
  }
  // B less its zero point, row-major; bytes where every column stays within s8 and pair-safe.
  std::vector<int16_t> b16(static_cast<size_t>(K * N));
  bool bytes = true;
  for (int64_t k = 0; k < K; ++k)
    for (int64_t j = 0; j < N; ++j) {
      const int64_t v = static_cast<int64_t>(ref::mv::load_as_double(bv, io.trans_b ? j * K + k : k * N + j)) -
                        plan->zb[static_cast<size_t>(j)];
      b16[static_cast<size_t>(k * N + j)] = static_cast<int16_t>(v);
      bytes = bytes && v >= -128 && v <= 127;
    }
  std::vector<int8_t> col(static_cast<size_t>(K));
  for (int64_t j = 0; j < N && bytes && !exact_bytes; ++j) {
    for (int64_t k = 0; k < K; ++k) col[static_cast<size_t>(k)] = static_cast<int8_t>(b16[static_cast<size_t>(k * N + j)]);
    bytes = qgemm_pair_safe(col.data(), K);
  }
  plan->kind = bytes ? QOperands::kU8S8 : QOperands::kS16;
  const int kg = bytes ? 4 : 2;
  const int64_t es = bytes ? 1 : 2;
  plan->Kp = (K + kg - 1) / kg * kg;
  const int64_t nblocks = (N + kQGemmNC - 1) / kQGemmNC, kc_max = qgemm_kc(plan->kind);
  plan->packed.assign(static_cast<size_t>(nblocks * plan->Kp * kQGemmNC * es), 0);
  for (int64_t j0 = 0; j0 < N; j0 += kQGemmNC)
    for (int64_t k0 = 0; k0 < plan->Kp; k0 += kc_max) {
      const int64_t nc = std::min(kQGemmNC, N - j0), kc = std::min(kc_max, plan->Kp - k0);
      const int64_t kr = std::max<int64_t>(0, std::min(kc, K - k0));
      uint8_t* dst = plan->packed.data() + packed_offset(*plan, j0, k0, kNR);
      const int16_t* src = b16.data() + k0 * N + j0;
      if (bytes)
        qgemm_interleave(src, N, kr, kc, nc, kNR, 4, reinterpret_cast<int8_t*>(dst),
                         [](int16_t v, int64_t) { return static_cast<int8_t>(v); });
      else
        qgemm_interleave(src, N, kr, kc, nc, kNR, 2, reinterpret_cast<int16_t*>(dst), [](int16_t v, int64_t) { return v; });
    }
  // Per column: the byte kind's zero-point term, QGemm's C (both modulo 2^32, as the accumulator).
  const bool has_c = present(n, io.c);
  if (bytes || has_c) {
    const int64_t za_u8 = plan->a_signed ? plan->za + 128 : plan->za;
    plan->bias_col.resize(static_cast<size_t>(N));
    for (int64_t j = 0; j < N; ++j) {
      int64_t sum = 0;
      if (bytes)
        for (int64_t k = 0; k < K; ++k) sum += b16[static_cast<size_t>(k * N + j)];
      const int64_t c = has_c ? static_cast<int64_t>(at(n, g, io.c, j)) : 0;
      plan->bias_col[static_cast<size_t>(j)] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(c - (bytes ? za_u8 * sum : 0))));
    }
  }
  return plan;
}
}  // namespace

std::shared_ptr<const void> qlinear_matmul_prepare(const KernelContext& ctx, const Graph& g) { return prepare(ctx, g, false); }
std::shared_ptr<const void> qlinear_matmul_prepare_exact(const KernelContext& ctx, const Graph& g) { return prepare(ctx, g, true); }

QOperands qlinear_matmul_operands(const void* prepared) { return static_cast<const MatMulPlan*>(prepared)->kind; }

size_t qlinear_matmul_scratch(const Node& n, const Graph& g) {
  // A dynamic B (packed per call) shares its panels between row blocks; a constant one is packed already.
  const MatIo io = io_of(n);
  const Value& b = g.value(n.inputs[io.b]);
  const int64_t K = b.shape.rank() >= 2 ? b_shape(io, b.shape)[b.shape.rank() - 2] : 0;
  const bool packed = b.is_constant() && b.shape.rank() == 2;
  return std::max(qgemm_scratch_bytes(QOperands::kU8S8), qgemm_scratch_bytes(QOperands::kS16, packed ? 0 : (K + 3) / 4 * 4));
}

void qlinear_matmul_with(const KernelContext& ctx, const QGemmKernels& kernels) {
  if (!ctx.prepared) throw Error(ErrorKind::kInternal, "QLinearMatMul: the integer kernel was not prepared");
  const MatMulPlan& plan = *static_cast<const MatMulPlan*>(ctx.prepared);
  const bool s16 = plan.kind == QOperands::kS16;
  const QGemmMicro& u = s16 ? kernels.s16 : kernels.u8s8;
  if (u.nr_max != kNR) throw Error(ErrorKind::kInternal, std::string(u.name) + ": B was packed for another tile width");
  MatMulGeom geo;
  const MatIo io = io_of(*ctx.node);
  geo.init(ctx.in(io.a).shape, b_shape(io, ctx.in(io.b).shape));
  const int64_t M = geo.M, N = geo.N, K = geo.K;
  const uint8_t* A = static_cast<const uint8_t*>(ctx.in(io.a).data);
  const uint8_t* B = static_cast<const uint8_t*>(ctx.in(io.b).data);  // read only when packed per call (QLinearMatMul)
  uint8_t* Y = static_cast<uint8_t*>(ctx.out(0).data);
  const uint8_t flip = plan.a_signed ? 0x80 : 0;
  const int32_t za = plan.za;
  auto a_block = [&](int64_t b, int64_t i0, int64_t rows, int64_t k0, int64_t kc, void* buf) {
    int64_t ao, bo;
    geo.offsets(b, ao, bo);
    const uint8_t* a = A + ao + i0 * K;
    if (!s16 && !flip && K % 4 == 0) return std::pair<const void*, int64_t>(a + k0, K);
    const int64_t kr = std::max<int64_t>(0, std::min(kc, K - k0));
    if (s16) {
      int16_t* d = static_cast<int16_t*>(buf);
      for (int64_t r = 0; r < rows; ++r) {
        const uint8_t* ar = a + r * K + k0;
        for (int64_t k = 0; k < kr; ++k)
          d[r * kc + k] = static_cast<int16_t>((plan.a_signed ? static_cast<int32_t>(static_cast<int8_t>(ar[k])) : ar[k]) - za);
        std::fill(d + r * kc + kr, d + (r + 1) * kc, int16_t(0));
      }
      return std::pair<const void*, int64_t>(d, kc * 2);
    }
    uint8_t* d = static_cast<uint8_t*>(buf);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t k = 0; k < kr; ++k) d[r * kc + k] = a[r * K + k0 + k] ^ flip;
      std::fill(d + r * kc + kr, d + (r + 1) * kc, uint8_t(0));
    }
    return std::pair<const void*, int64_t>(d, kc);
  };
  auto pack = [&](int64_t b, int64_t k0, int64_t kc, int64_t j0, int64_t nc, void* dst, void*) -> const void* {
    if (!plan.packed.empty()) return plan.packed.data() + packed_offset(plan, j0, k0, kNR);
    int64_t ao, bo;
    geo.offsets(b, ao, bo);
    const int64_t kr = std::max<int64_t>(0, std::min(kc, K - k0));
    const int32_t* zb = plan.zb.data();
    if (plan.b_signed)
      qgemm_interleave(reinterpret_cast<const int8_t*>(B + bo) + k0 * N + j0, N, kr, kc, nc, kNR, 2, static_cast<int16_t*>(dst),
                       [&](int8_t v, int64_t j) { return static_cast<int16_t>(v - zb[j0 + j]); });
    else
      qgemm_interleave(B + bo + k0 * N + j0, N, kr, kc, nc, kNR, 2, static_cast<int16_t*>(dst),
                       [&](uint8_t v, int64_t j) { return static_cast<int16_t>(v - zb[j0 + j]); });
    return dst;
  };
  auto epi = [&](int64_t b, const int32_t* c, int64_t ldc, int64_t i0, int64_t rows, int64_t j0, int64_t nc) {
    RequantizeRow q = plan.out;
    q.bias_col = plan.bias_col.empty() ? nullptr : plan.bias_col.data() + j0;
    q.scale_col = plan.mult.data() + j0;
    for (int64_t r = 0; r < rows; ++r) kernels.requantize_row(c + r * ldc, nc, q, Y + (b * M + i0 + r) * N + j0);
  };
  qgemm_run(ctx.pool, ctx.scratch, ctx.scratch_bytes, u, geo.batches, M, N, plan.Kp, a_block, pack, epi);
}

namespace {
void conv_portable(const KernelContext& ctx) { qlinear_conv_with(ctx, kQGemmPortable); }
void winograd_portable(const KernelContext& ctx) { qlinear_winograd_with(ctx, kQGemmPortable); }
void winograd43_portable(const KernelContext& ctx) { qlinear_winograd43_with(ctx, kQGemmPortable); }
void matmul_portable(const KernelContext& ctx) { qlinear_matmul_with(ctx, kQGemmPortable); }
void depthwise_portable(const KernelContext& ctx) { qlinear_depthwise_with(ctx, kQGemmPortable); }
}  // namespace

void register_portable_qlinear(OpRegistry& r) {
  for (const std::string_view domain : {"", "edgewm"}) {  // QLinearConv and edgewm.QLinearConv
    r.add_kernel("QLinearConv", KernelDef{"portable", conv_portable, qlinear_conv_supports, 1, qlinear_conv_scratch,
                                          qlinear_conv_prepare}, domain);
    // Above the portable im2col kernel where it applies (and below every ISA's).
    r.add_kernel("QLinearConv", KernelDef{"portable.winograd", winograd_portable, qlinear_winograd_supports, 5,
                                          qlinear_winograd_scratch, qlinear_winograd_prepare}, domain);
    r.add_kernel("QLinearConv", KernelDef{"portable.winograd_f43", winograd43_portable, qlinear_winograd43_supports, 6,
                                          qlinear_winograd43_scratch, qlinear_winograd43_prepare}, domain);
    r.add_kernel("QLinearConv", KernelDef{"portable.depthwise", depthwise_portable, qlinear_depthwise_supports, 5,
                                          qlinear_depthwise_scratch, qlinear_depthwise_prepare}, domain);
  }
  for (const char* op : {"QLinearMatMul", "QGemm"})
    r.add_kernel(op, KernelDef{"portable", matmul_portable, qlinear_matmul_supports, 1, qlinear_matmul_scratch,
                               qlinear_matmul_prepare},
                 std::string_view(op) == "QGemm" ? "edgewm" : "");
}

}  // namespace edgewm
