// Integer convolution and matrix products of the ONNX spec: ConvInteger, MatMulInteger (int32
// out), QLinearConv, QLinearMatMul (requantised out); and edgewm.QGemm, what the fuse-qdq pass
// makes of DQ -> Gemm -> Q (ONNX Runtime's com.microsoft.QGemm with alpha 1 and an 8-bit output). The oracles of the integer kernels: direct
// loops over (x - x_zero_point) * (w - w_zero_point) in 64-bit, wrapped to int32 as the spec's
// int32 accumulator would, then the requantisation: the multiplier x_scale * w_scale / y_scale in
// float32, the product in float32, round half to even, + y_zero_point, saturate.
#include <cmath>
#include <vector>

#include "kernels/ref/matmul_geom.h"
#include "kernels/ref/movement.h"
#include "kernels/ref/nn.h"
#include "kernels/ref/quant.h"
#include "kernels/register_ops.h"

namespace edgewm {

namespace {

using namespace ref::quant;
using ref::mv::load_as_double;
using ref::mv::store_from_double;
using ref::nn::Window;

bool is_int8(DType t) { return t == DType::kU8 || t == DType::kI8; }

// A zero point or scale input: absent (0 / 1), one value, or one per `n` (rows, columns,
// output channels). Returns whether it is per-element.
bool check_per(InferContext& ctx, size_t i, int64_t n, const char* what, const char* per) {
  if (!ctx.has_input(i)) return false;
  const Shape& s = ctx.shape(i);
  if (s.numel() == 1 && s.rank() <= 1) return false;
  if (s.rank() == 1 && s[0] == n) return true;
  ctx.fail(std::string(what) + " " + s.str() + " is neither a scalar nor one value per " + per + " (" + std::to_string(n) + ")");
}

int64_t int_at(const KernelContext& c, size_t i, int64_t k) {
  if (!c.has_in(i)) return 0;
  return static_cast<int64_t>(load_as_double(c.in(i), c.in(i).numel() == 1 ? 0 : k));
}
float float_at(const KernelContext& c, size_t i, int64_t k) {
  return static_cast<float>(load_as_double(c.in(i), c.in(i).numel() == 1 ? 0 : k));
}

// What the spec's int32 accumulator holds (C++20: conversion is modulo 2^32).
int32_t wrap32(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }

// round(acc * multiplier) + zero point, saturated to `t`; the product in float32, as ONNX
// Runtime's kernels (and any SIMD requantisation) compute it: in double a product a hair from
// .5 can round the other way, and in a deep net such flips cascade (ONNX's reference computes in
// double; its test data passes either way).
double requantize(int32_t acc, float multiplier, int64_t zero_point, DType t) {
  int64_t lo, hi;
  int_range(t, lo, hi);
  const float product = static_cast<float>(acc) * multiplier;
  // A NaN product (a scale of 0 or NaN, 0 * inf) gives the zero point, as QuantizeLinear does
  // for a NaN: unspecified by ONNX, and never a cast of NaN to an integer.
  if (std::isnan(product)) return static_cast<double>(zero_point);
  const double v = std::nearbyint(product) + static_cast<double>(zero_point);
  return v < lo ? lo : (v > hi ? hi : v);
}

// ---- convolution ----------------------------------------------------------------------------

struct ConvIo {
  size_t x = 0, x_zp = 2, w = 1, w_zp = 3, bias = SIZE_MAX;
};

void infer_int_conv(InferContext& ctx, const ConvIo& io, DType out) {
  if (!is_int8(ctx.dtype(io.x)) || !is_int8(ctx.dtype(io.w)))
    ctx.fail(std::string("input and weights must be u8 or i8, got ") + dtype_name(ctx.dtype(io.x)) + " and " +
             dtype_name(ctx.dtype(io.w)));
  if (ctx.has_input(io.x_zp) && ctx.dtype(io.x_zp) != ctx.dtype(io.x)) ctx.fail("x_zero_point's type differs from x's");
  if (ctx.has_input(io.w_zp) && ctx.dtype(io.w_zp) != ctx.dtype(io.w)) ctx.fail("w_zero_point's type differs from w's");
  const Shape& x = ctx.shape(io.x);
  const Shape& w = ctx.shape(io.w);
  if (x.rank() < 3) ctx.fail("input must be [N, C, spatial...], got " + x.str());
  if (w.rank() != x.rank()) ctx.fail("weights " + w.str() + " and input " + x.str() + " differ in rank");
  const int64_t group = ctx.attrs().get_int("group", 1);
  if (group < 1) ctx.fail("group must be positive");
  if (x[1] % group != 0 || w[1] != x[1] / group || w[0] % group != 0)
    ctx.fail("input " + x.str() + ", weights " + w.str() + " and group " + std::to_string(group) + " do not fit");
  check_per(ctx, io.x_zp, 1, "x_zero_point", "tensor");
  check_per(ctx, io.w_zp, w[0], "w_zero_point", "output channel");
  if (io.bias != SIZE_MAX && ctx.has_input(io.bias)) {
    if (ctx.dtype(io.bias) != DType::kI32) ctx.fail("bias must be i32");
    if (ctx.shape(io.bias) != Shape{w[0]}) ctx.fail("bias " + ctx.shape(io.bias).str() + " must be [" + std::to_string(w[0]) + "]");
  }
  Window win;
  ref::nn::compute_window_or_fail(ctx, x, w.dims().subspan(2), false, true, win);
  Shape y{x[0], w[0]};
  for (int d = 0; d < win.nd; ++d) y.push_back(win.out[d]);
  ctx.set_output(0, out, y);
}

// acc[n, m, p] = sum over (c, tap) of (x - x_zp) * (w - w_zp[m]) (+ bias[m]); padding
// contributes nothing (it holds the zero point).
std::vector<int32_t> int_conv(const KernelContext& c, const ConvIo& io) {
  const TensorView& xv = c.in(io.x);
  const TensorView& wv = c.in(io.w);
  Window win;
  bool unsupported = false;
  ref::nn::compute_window(c.attrs(), xv.shape, wv.shape.dims().subspan(2), false, true, win, &unsupported);
  const int64_t N = xv.shape[0], C = xv.shape[1], M = wv.shape[0];
  const int64_t G = c.attrs().get_int("group", 1), Cg = C / G, Mg = M / G;
  const int64_t KS = win.kernel_size(), IHW = win.in_size(), OHW = win.out_size();
  const int64_t xz = int_at(c, io.x_zp, 0);
  std::vector<int32_t> acc(static_cast<size_t>(N * M * OHW));
  int64_t o[ref::nn::kMaxSpatial];
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m) {
      const int64_t g = m / Mg, wz = int_at(c, io.w_zp, m);
      const int64_t bias = io.bias != SIZE_MAX && c.has_in(io.bias) ? int_at(c, io.bias, m) : 0;
      for (int64_t p = 0; p < OHW; ++p) {
        ref::nn::unravel_output(win, p, o);
        int64_t sum = bias;
        for (int64_t ci = 0; ci < Cg; ++ci)
          for (int64_t t = 0; t < KS; ++t) {
            const int64_t at = ref::nn::tap_input_offset(win, o, t);
            if (at < 0) continue;
            const int64_t xq = static_cast<int64_t>(load_as_double(xv, (n * C + g * Cg + ci) * IHW + at));
            const int64_t wq = static_cast<int64_t>(load_as_double(wv, (m * Cg + ci) * KS + t));
            sum += (xq - xz) * (wq - wz);
          }
        acc[static_cast<size_t>((n * M + m) * OHW + p)] = wrap32(sum);
      }
    }
  return acc;
}

// ConvInteger(x, w, x_zero_point, w_zero_point) -> i32
constexpr ConvIo kConvInteger{0, 2, 1, 3, SIZE_MAX};
void infer_conv_integer(InferContext& ctx) { infer_int_conv(ctx, kConvInteger, DType::kI32); }
void conv_integer_kernel(const KernelContext& c) {
  const std::vector<int32_t> acc = int_conv(c, kConvInteger);
  std::copy(acc.begin(), acc.end(), c.out(0).as<int32_t>());
}

// QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B) -> y_zp's type
constexpr ConvIo kQLinearConv{0, 2, 3, 5, 8};
void infer_qlinear_conv(InferContext& ctx) {
  const DType out = ctx.has_input(7) ? ctx.dtype(7) : DType::kU8;
  if (!is_int8(out)) ctx.fail(std::string("y_zero_point must be u8 or i8, got ") + dtype_name(out));
  for (size_t s : {1, 4, 6})
    if (ctx.dtype(s) != DType::kF32) ctx.fail("scales must be f32");
  infer_int_conv(ctx, kQLinearConv, out);
  const int64_t M = ctx.shape(3)[0];
  check_per(ctx, 1, 1, "x_scale", "tensor");
  check_per(ctx, 4, M, "w_scale", "output channel");
  check_per(ctx, 6, 1, "y_scale", "tensor");
  check_per(ctx, 7, 1, "y_zero_point", "tensor");
}
void qlinear_conv_kernel(const KernelContext& c) {
  const std::vector<int32_t> acc = int_conv(c, kQLinearConv);
  const TensorView& y = c.out(0);
  const int64_t M = y.shape[1], plane = y.numel() / std::max<int64_t>(1, y.shape[0] * M);
  const float xs = float_at(c, 1, 0), ys = float_at(c, 6, 0);
  const int64_t yz = int_at(c, 7, 0);
  char* out = static_cast<char*>(y.data);
  const size_t es = dtype_size(y.dtype);
  for (int64_t i = 0, n = y.numel(); i < n; ++i) {
    const int64_t m = (i / plane) % M;
    const float mult = xs * float_at(c, 4, m) / ys;
    store_from_double(y.dtype, out + static_cast<size_t>(i) * es, requantize(acc[static_cast<size_t>(i)], mult, yz, y.dtype));
  }
}

// edgewm.QLinearConv: QLinearConv's inputs, then optionally a residual (9: r, 10: r_scale, 11:
// r_zero_point; 8-bit of y's shape) and FusedConv's activation attributes. What fuse-qdq makes of
// DQ -> Conv -> [Add(DQ(r))] -> [activation] -> Q where no integer clamp can stand for the
// activation: f = float(acc + bias) * (x_scale * w_scale[m]), + DQ(r), activation, QuantizeLinear.
void infer_qlinear_conv_fused(InferContext& ctx) {
  infer_qlinear_conv(ctx);
  if (!ConvActivation::known(ctx.attrs().get_string("activation", "none")))
    ctx.fail("unknown activation '" + std::string(ctx.attrs().get_string("activation", "none")) + "'");
  if (!ctx.has_input(9)) return;
  if (!is_int8(ctx.dtype(9)) || ctx.shape(9) != ctx.output_shape(0))
    ctx.fail("residual " + std::string(dtype_name(ctx.dtype(9))) + ctx.shape(9).str() + " must be u8 or i8 of the output's shape " +
             ctx.output_shape(0).str());
  if (!ctx.has_input(10) || ctx.dtype(10) != DType::kF32) ctx.fail("the residual's scale must be f32");
  check_per(ctx, 10, 1, "r_scale", "tensor");
  if (ctx.has_input(11)) {
    if (ctx.dtype(11) != ctx.dtype(9)) ctx.fail("r_zero_point's type differs from the residual's");
    check_per(ctx, 11, 1, "r_zero_point", "tensor");
  }
}
void qlinear_conv_fused_kernel(const KernelContext& c) {
  const std::vector<int32_t> acc = int_conv(c, kQLinearConv);
  const TensorView& y = c.out(0);
  const int64_t M = y.shape[1], plane = y.numel() / std::max<int64_t>(1, y.shape[0] * M);
  const float xs = float_at(c, 1, 0), ys = float_at(c, 6, 0);
  const int64_t yz = int_at(c, 7, 0);
  const bool residual = c.has_in(9);
  const float rs = residual ? float_at(c, 10, 0) : 0.f, rz = static_cast<float>(int_at(c, 11, 0));
  const ConvActivation act = ConvActivation::of(c.attrs());
  int64_t lo, hi;
  int_range(y.dtype, lo, hi);
  char* out = static_cast<char*>(y.data);
  const size_t es = dtype_size(y.dtype);
  for (int64_t i = 0, n = y.numel(); i < n; ++i) {
    const int64_t m = (i / plane) % M;
    float f = dequantize_value(acc[static_cast<size_t>(i)], 0.f, xs * float_at(c, 4, m));
    if (residual) f += dequantize_value(load_as_double(c.in(9), i), rz, rs);
    act.apply(&f, 1);
    store_from_double(y.dtype, out + static_cast<size_t>(i) * es, quantize_value(f, ys, yz, lo, hi));
  }
}

// ---- matrix products -------------------------------------------------------------------------

// MatMul's geometry for integer operands; zero points (and scales) per tensor, per row of A
// ([M]) and per column of B ([N]).
struct MatIo {
  size_t a = 0, a_zp = 2, b = 1, b_zp = 3;
};

MatMulGeom infer_int_matmul(InferContext& ctx, const MatIo& io) {
  if (!is_int8(ctx.dtype(io.a)) || !is_int8(ctx.dtype(io.b)))
    ctx.fail(std::string("A and B must be u8 or i8, got ") + dtype_name(ctx.dtype(io.a)) + " and " + dtype_name(ctx.dtype(io.b)));
  if (ctx.has_input(io.a_zp) && ctx.dtype(io.a_zp) != ctx.dtype(io.a)) ctx.fail("a_zero_point's type differs from A's");
  if (ctx.has_input(io.b_zp) && ctx.dtype(io.b_zp) != ctx.dtype(io.b)) ctx.fail("b_zero_point's type differs from B's");
  MatMulGeom g;
  const std::string err = g.init(ctx.shape(io.a), ctx.shape(io.b));
  if (!err.empty()) ctx.fail(err);
  check_per(ctx, io.a_zp, g.M, "a_zero_point", "row of A");
  check_per(ctx, io.b_zp, g.N, "b_zero_point", "column of B");
  return g;
}

// acc[b, i, j] = sum over k of (A - a_zp[i]) * (B - b_zp[j]).
std::vector<int32_t> int_matmul(const KernelContext& c, const MatIo& io) {
  MatMulGeom g;
  g.init(c.in(io.a).shape, c.in(io.b).shape);
  std::vector<int32_t> acc(static_cast<size_t>(g.batches * g.M * g.N));
  for (int64_t b = 0; b < g.batches; ++b) {
    int64_t ao, bo;
    g.offsets(b, ao, bo);
    for (int64_t i = 0; i < g.M; ++i)
      for (int64_t j = 0; j < g.N; ++j) {
        const int64_t az = int_at(c, io.a_zp, i), bz = int_at(c, io.b_zp, j);
        int64_t sum = 0;
        for (int64_t k = 0; k < g.K; ++k)
          sum += (static_cast<int64_t>(load_as_double(c.in(io.a), ao + i * g.K + k)) - az) *
                 (static_cast<int64_t>(load_as_double(c.in(io.b), bo + k * g.N + j)) - bz);
        acc[static_cast<size_t>((b * g.M + i) * g.N + j)] = wrap32(sum);
      }
  }
  return acc;
}

constexpr MatIo kMatMulInteger{0, 2, 1, 3};
void infer_matmul_integer(InferContext& ctx) {
  const MatMulGeom g = infer_int_matmul(ctx, kMatMulInteger);
  ctx.set_output(0, DType::kI32, g.out);
}
void matmul_integer_kernel(const KernelContext& c) {
  const std::vector<int32_t> acc = int_matmul(c, kMatMulInteger);
  std::copy(acc.begin(), acc.end(), c.out(0).as<int32_t>());
}

// QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp)
constexpr MatIo kQLinearMatMul{0, 2, 3, 5};
void infer_qlinear_matmul(InferContext& ctx) {
  const MatMulGeom g = infer_int_matmul(ctx, kQLinearMatMul);
  const DType out = ctx.dtype(7);
  if (!is_int8(out)) ctx.fail(std::string("y_zero_point must be u8 or i8, got ") + dtype_name(out));
  for (size_t s : {1, 4, 6})
    if (ctx.dtype(s) != DType::kF32) ctx.fail("scales must be f32");
  check_per(ctx, 1, g.M, "a_scale", "row of A");
  check_per(ctx, 4, g.N, "b_scale", "column of B");
  check_per(ctx, 6, g.M, "y_scale", "row of the output");
  check_per(ctx, 7, g.M, "y_zero_point", "row of the output");
  ctx.set_output(0, out, g.out);
}
void qlinear_matmul_kernel(const KernelContext& c) {
  const std::vector<int32_t> acc = int_matmul(c, kQLinearMatMul);
  const TensorView& y = c.out(0);
  MatMulGeom g;
  g.init(c.in(0).shape, c.in(3).shape);
  char* out = static_cast<char*>(y.data);
  const size_t es = dtype_size(y.dtype);
  for (int64_t i = 0, n = y.numel(); i < n; ++i) {
    const int64_t row = (i / g.N) % g.M, col = i % g.N;
    const float mult = float_at(c, 1, row) * float_at(c, 4, col) / float_at(c, 6, row);
    store_from_double(y.dtype, out + static_cast<size_t>(i) * es,
                      requantize(acc[static_cast<size_t>(i)], mult, int_at(c, 7, row), y.dtype));
  }
}

// edgewm.QGemm(A, a_scale, a_zp, B, b_scale, b_zp, C, y_scale, y_zp), transA / transB:
// Y = requantize(sum over k of (A'[i, k] - a_zp) * (B'[k, j] - b_zp[j]) + C[j]), with A' and B'
// transposed as the flags say, 2-D, C int32 in units of a_scale * b_scale[j] (optional).
// ONNX Runtime's alpha is not an attribute here: only alpha 1 is fused.
struct QGemmDims {
  int64_t M = 0, K = 0, N = 0;
  bool ta = false, tb = false;
};
QGemmDims qgemm_dims(const Attributes& attrs, const Shape& a, const Shape& b) {
  QGemmDims d;
  d.ta = attrs.get_int("transA", 0) != 0;
  d.tb = attrs.get_int("transB", 0) != 0;
  d.M = d.ta ? a[1] : a[0];
  d.K = d.ta ? a[0] : a[1];
  d.N = d.tb ? b[0] : b[1];
  return d;
}
void infer_qgemm(InferContext& ctx) {
  if (!is_int8(ctx.dtype(0)) || !is_int8(ctx.dtype(3)))
    ctx.fail(std::string("A and B must be u8 or i8, got ") + dtype_name(ctx.dtype(0)) + " and " + dtype_name(ctx.dtype(3)));
  const Shape& a = ctx.shape(0);
  const Shape& b = ctx.shape(3);
  if (a.rank() != 2 || b.rank() != 2) ctx.fail("A " + a.str() + " and B " + b.str() + " must be 2-D");
  const QGemmDims d = qgemm_dims(ctx.attrs(), a, b);
  if ((d.tb ? b[1] : b[0]) != d.K) ctx.fail("A " + a.str() + " and B " + b.str() + " do not multiply (transA/transB as given)");
  if (ctx.has_input(2) && ctx.dtype(2) != ctx.dtype(0)) ctx.fail("a_zero_point's type differs from A's");
  if (ctx.has_input(5) && ctx.dtype(5) != ctx.dtype(3)) ctx.fail("b_zero_point's type differs from B's");
  const DType out = ctx.dtype(8);
  if (!is_int8(out)) ctx.fail(std::string("y_zero_point must be u8 or i8, got ") + dtype_name(out));
  for (size_t s : {1, 4, 7})
    if (ctx.dtype(s) != DType::kF32) ctx.fail("scales must be f32");
  check_per(ctx, 1, 1, "a_scale", "tensor");
  check_per(ctx, 2, 1, "a_zero_point", "tensor");
  check_per(ctx, 4, d.N, "b_scale", "column of B'");
  check_per(ctx, 5, d.N, "b_zero_point", "column of B'");
  check_per(ctx, 7, 1, "y_scale", "tensor");
  check_per(ctx, 8, 1, "y_zero_point", "tensor");
  if (ctx.has_input(6)) {
    if (ctx.dtype(6) != DType::kI32) ctx.fail("C must be i32");
    if (ctx.shape(6) != Shape{d.N}) ctx.fail("C " + ctx.shape(6).str() + " must be [" + std::to_string(d.N) + "]");
  }
  ctx.set_output(0, out, Shape{d.M, d.N});
}
void qgemm_kernel(const KernelContext& c) {
  const QGemmDims d = qgemm_dims(c.attrs(), c.in(0).shape, c.in(3).shape);
  const TensorView& y = c.out(0);
  char* out = static_cast<char*>(y.data);
  const size_t es = dtype_size(y.dtype);
  const int64_t az = int_at(c, 2, 0), yz = int_at(c, 8, 0);
  for (int64_t i = 0; i < d.M; ++i)
    for (int64_t j = 0; j < d.N; ++j) {
      const int64_t bz = int_at(c, 5, j);
      int64_t sum = c.has_in(6) ? int_at(c, 6, j) : 0;
      for (int64_t k = 0; k < d.K; ++k) {
        const int64_t av = static_cast<int64_t>(load_as_double(c.in(0), d.ta ? k * d.M + i : i * d.K + k));
        const int64_t bv = static_cast<int64_t>(load_as_double(c.in(3), d.tb ? j * d.K + k : k * d.N + j));
        sum += (av - az) * (bv - bz);
      }
      const float mult = float_at(c, 1, 0) * float_at(c, 4, j) / float_at(c, 7, 0);
      store_from_double(y.dtype, out + static_cast<size_t>(i * d.N + j) * es, requantize(wrap32(sum), mult, yz, y.dtype));
    }
}

}  // namespace

void register_quant_linear_ops(OpRegistry& r) {
  r.add({"QGemm", "edgewm", infer_qgemm, {KernelDef{"ref", qgemm_kernel}}, false, false,
         std::vector<std::string>{"transA", "transB"}});
  ref::mv::add_op(r, "ConvInteger", infer_conv_integer, conv_integer_kernel);
  ref::mv::add_op(r, "QLinearConv", infer_qlinear_conv, qlinear_conv_kernel);
  r.add({"QLinearConv", "edgewm", infer_qlinear_conv_fused, {KernelDef{"ref", qlinear_conv_fused_kernel}}, false, false,
         std::vector<std::string>{"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides", "activation",
                                  "activation_min", "activation_max", "activation_alpha", "activation_beta"}});
  ref::mv::add_op(r, "MatMulInteger", infer_matmul_integer, matmul_integer_kernel);
  ref::mv::add_op(r, "QLinearMatMul", infer_qlinear_matmul, qlinear_matmul_kernel);
}

}  // namespace edgewm
