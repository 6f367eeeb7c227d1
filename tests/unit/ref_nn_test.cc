// Reference neural-network kernels: hand-computed cases, naive-loop cross-checks of the blocked
// GEMM paths (Conv, ConvTranspose, MatMul, Einsum), and the error cases.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <random>

#include "edgewm/error.h"
#include "op_test_util.h"

namespace edgewm {
namespace {

using testing::attr_float;
using testing::attr_floats;
using testing::attr_int;
using testing::attr_ints;
using testing::attr_string;
using testing::make_f32;
using testing::make_i64;
using testing::in;
using testing::run_op;
using testing::to_vector;

void expect_near(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-5f) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol * std::max(1.f, std::fabs(want[i]))) << "at " << i;
}

std::vector<float> iota(int64_t n, float start = 0.f) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = start + static_cast<float>(i);
  return v;
}

std::vector<float> random_values(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = d(rng);
  return v;
}

Tensor make_f64(const Shape& s, const std::vector<double>& v) {
  Tensor t(DType::kF64, s);
  std::memcpy(t.data(), v.data(), v.size() * sizeof(double));
  return t;
}
std::vector<double> to_f64(const Tensor& t) { return std::vector<double>(t.as<double>(), t.as<double>() + t.numel()); }

ErrorKind error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no error thrown";
  return ErrorKind::kInternal;
}

// Naive 2-D convolution (NCHW, OIHW) for cross-checks.
std::vector<float> naive_conv2d(const std::vector<float>& x, const std::vector<float>& w, const std::vector<float>& b,
                                int64_t N, int64_t C, int64_t H, int64_t W, int64_t M, int64_t KH, int64_t KW,
                                int64_t group, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                                int64_t OH, int64_t OW) {
  std::vector<float> y(static_cast<size_t>(N * M * OH * OW));
  const int64_t Cg = C / group, Mg = M / group;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double acc = b.empty() ? 0.0 : b[m];
          const int64_t g = m / Mg;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t kh = 0; kh < KH; ++kh)
              for (int64_t kw = 0; kw < KW; ++kw) {
                const int64_t ih = oh * sh - ph + kh * dh, iw = ow * sw - pw + kw * dw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                acc += static_cast<double>(x[((n * C + g * Cg + c) * H + ih) * W + iw]) *
                       w[((m * Cg + c) * KH + kh) * KW + kw];
              }
          y[((n * M + m) * OH + oh) * OW + ow] = static_cast<float>(acc);
        }
  return y;
}

// ------------------------------------------------------------------------------------ Conv

TEST(RefNnConv, Basic3x3WithAndWithoutPadding) {
  Tensor x = make_f32({1, 1, 3, 3}, iota(9));
  Tensor w = make_f32({1, 1, 3, 3}, std::vector<float>(9, 1.f));
  auto y = run_op("Conv", in(x, w), {attr_ints("kernel_shape", {3, 3})});
  EXPECT_EQ(y[0].shape(), (Shape{1, 1, 1, 1}));
  expect_near(to_vector(y[0]), {36});
  y = run_op("Conv", in(x, w), {attr_ints("pads", {1, 1, 1, 1})});
  EXPECT_EQ(y[0].shape(), (Shape{1, 1, 3, 3}));
  expect_near(to_vector(y[0]), {8, 15, 12, 21, 36, 27, 20, 33, 24});
}

TEST(RefNnConv, StridesAndPadding) {
  // ONNX's conv_with_strides_padding example: 5x5 ramp, ones 3x3, pads 1, strides 2.
  Tensor x = make_f32({1, 1, 5, 5}, iota(25));
  Tensor w = make_f32({1, 1, 3, 3}, std::vector<float>(9, 1.f));
  auto y = run_op("Conv", in(x, w), {attr_ints("pads", {1, 1, 1, 1}), attr_ints("strides", {2, 2})});
  EXPECT_EQ(y[0].shape(), (Shape{1, 1, 3, 3}));
  expect_near(to_vector(y[0]), {12, 27, 24, 63, 108, 81, 72, 117, 84});
  // Asymmetric padding: rows padded, columns not.
  y = run_op("Conv", in(x, w), {attr_ints("pads", {1, 0, 1, 0}), attr_ints("strides", {2, 2})});
  EXPECT_EQ(y[0].shape(), (Shape{1, 1, 3, 2}));
  expect_near(to_vector(y[0]), {21, 33, 99, 117, 111, 123});
}

TEST(RefNnConv, Dilation) {
  // y[i][j] = x[i][j] + x[i][j+2] + x[i+2][j] + x[i+2][j+2] with x[i][j] = 5i + j: 4x + 24.
  Tensor x = make_f32({1, 1, 5, 5}, iota(25));
  Tensor w = make_f32({1, 1, 2, 2}, std::vector<float>(4, 1.f));
  auto y = run_op("Conv", in(x, w), {attr_ints("dilations", {2, 2})});
  EXPECT_EQ(y[0].shape(), (Shape{1, 1, 3, 3}));
  expect_near(to_vector(y[0]), {24, 28, 32, 44, 48, 52, 64, 68, 72});
}

TEST(RefNnConv, GroupsBiasAndDepthwiseMultiplier) {
  Tensor x = make_f32({1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  auto y = run_op("Conv", in(x, make_f32({2, 1, 1, 1}, {2, 3}), make_f32({2}, {1, -1})), {attr_int("group", 2)});
  expect_near(to_vector(y[0]), {3, 5, 7, 9, 14, 17, 20, 23});
  // Depthwise with channel multiplier 2: output channels 0,1 read input 0; 2,3 read input 1.
  y = run_op("Conv", in(x, make_f32({4, 1, 1, 1}, {1, 2, 3, 4})), {attr_int("group", 2)});
  EXPECT_EQ(y[0].shape(), (Shape{1, 4, 2, 2}));
  expect_near(to_vector(y[0]), {1, 2, 3, 4, 2, 4, 6, 8, 15, 18, 21, 24, 20, 24, 28, 32});
}

TEST(RefNnConv, AutoPad1d) {
  Tensor x = make_f32({1, 1, 4}, {1, 2, 3, 4});
  Tensor w = make_f32({1, 1, 2}, {1, 1});
  // Total padding 1: SAME_UPPER puts it at the end, SAME_LOWER at the start.
  auto y = run_op("Conv", in(x, w), {attr_string("auto_pad", "SAME_UPPER")});
  expect_near(to_vector(y[0]), {3, 5, 7, 4});
  y = run_op("Conv", in(x, w), {attr_string("auto_pad", "SAME_LOWER")});
  expect_near(to_vector(y[0]), {1, 3, 5, 7});
  y = run_op("Conv", in(x, w), {attr_string("auto_pad", "VALID"), attr_ints("strides", {2})});
  expect_near(to_vector(y[0]), {3, 7});
  // SAME with stride 2: out = ceil(5/2) = 3, one pad on each side.
  y = run_op("Conv", in(make_f32({1, 1, 5}, {1, 2, 3, 4, 5}), make_f32({1, 1, 3}, {1, 1, 1})),
             {attr_string("auto_pad", "SAME_UPPER"), attr_ints("strides", {2})});
  expect_near(to_vector(y[0]), {3, 9, 9});
}

TEST(RefNnConv, ThreeD) {
  auto y = run_op("Conv", in(make_f32({1, 1, 2, 2, 2}, iota(8, 1)), make_f32({1, 1, 2, 2, 2}, std::vector<float>(8, 1))));
  EXPECT_EQ(y[0].shape(), (Shape{1, 1, 1, 1, 1}));
  expect_near(to_vector(y[0]), {36});
}

TEST(RefNnConv, MatchesNaiveLoopAcrossGemmBlocks) {
  // K = 32*9 = 288 spans two depth blocks, 20*20 = 400 output positions two column blocks.
  struct Case {
    int64_t N, C, H, W, M, K, group, stride, pad, dil;
  };
  for (const Case& c : {Case{2, 32, 20, 20, 24, 3, 1, 1, 1, 1}, Case{1, 16, 17, 19, 8, 3, 2, 2, 1, 1},
                        Case{1, 6, 11, 9, 6, 3, 6, 1, 2, 2}, Case{1, 5, 9, 30, 7, 1, 1, 1, 0, 1}}) {
    const int64_t OH = (c.H + 2 * c.pad - (c.K - 1) * c.dil - 1) / c.stride + 1;
    const int64_t OW = (c.W + 2 * c.pad - (c.K - 1) * c.dil - 1) / c.stride + 1;
    auto xv = random_values(c.N * c.C * c.H * c.W, 1);
    auto wv = random_values(c.M * (c.C / c.group) * c.K * c.K, 2);
    auto bv = random_values(c.M, 3);
    auto y = run_op("Conv",
                    in(make_f32({c.N, c.C, c.H, c.W}, xv), make_f32({c.M, c.C / c.group, c.K, c.K}, wv), make_f32({c.M}, bv)),
                    {attr_int("group", c.group), attr_ints("strides", {c.stride, c.stride}),
                     attr_ints("pads", {c.pad, c.pad, c.pad, c.pad}), attr_ints("dilations", {c.dil, c.dil})});
    ASSERT_EQ(y[0].shape(), (Shape{c.N, c.M, OH, OW}));
    expect_near(to_vector(y[0]),
                naive_conv2d(xv, wv, bv, c.N, c.C, c.H, c.W, c.M, c.K, c.K, c.group, c.stride, c.stride, c.pad,
                             c.pad, c.dil, c.dil, OH, OW),
                1e-4f);
  }
}

TEST(RefNnConv, ErrorCases) {
  Tensor x = make_f32({1, 3, 4, 4}, std::vector<float>(48, 1));
  // Weights expect 2 input channels.
  EXPECT_EQ(error_of([&] { run_op("Conv", in(x, make_f32({1, 2, 3, 3}, std::vector<float>(18, 1)))); }),
            ErrorKind::kInvalidModel);
  // kernel_shape disagrees with the weights.
  EXPECT_EQ(error_of([&] {
              run_op("Conv", in(x, make_f32({1, 3, 3, 3}, std::vector<float>(27, 1))), {attr_ints("kernel_shape", {2, 2})});
            }),
            ErrorKind::kInvalidModel);
  // Bias of the wrong length.
  EXPECT_EQ(error_of([&] {
              run_op("Conv", in(x, make_f32({2, 3, 3, 3}, std::vector<float>(54, 1)), make_f32({3}, {1, 2, 3})));
            }),
            ErrorKind::kInvalidModel);
  // Kernel larger than the padded input.
  EXPECT_EQ(error_of([&] { run_op("Conv", in(x, make_f32({1, 3, 5, 5}, std::vector<float>(75, 1)))); }),
            ErrorKind::kInvalidModel);
  // f16 is not implemented by the reference kernel.
  EXPECT_EQ(error_of([&] { run_op("Conv", in(Tensor(DType::kF16, {1, 1, 2, 2}), Tensor(DType::kF16, {1, 1, 1, 1}))); }),
            ErrorKind::kUnsupported);
}

// ------------------------------------------------------------------------------ ConvTranspose

TEST(RefNnConv, TransposeBasic) {
  // ONNX's convtranspose example: 3x3 ramp, ones 3x3 kernel, two output channels.
  Tensor x = make_f32({1, 1, 3, 3}, iota(9));
  Tensor w = make_f32({1, 2, 3, 3}, std::vector<float>(18, 1));
  auto y = run_op("ConvTranspose", in(x, w));
  EXPECT_EQ(y[0].shape(), (Shape{1, 2, 5, 5}));
  std::vector<float> plane = {0, 1, 3, 3, 2, 3, 8, 15, 12, 7, 9, 21, 36, 27, 15, 9, 20, 33, 24, 13, 6, 13, 21, 15, 8};
  std::vector<float> want = plane;
  want.insert(want.end(), plane.begin(), plane.end());
  expect_near(to_vector(y[0]), want);
}

TEST(RefNnConv, TransposeStridePadsOutputPaddingAndShape) {
  // 1-D: x = [1, 2], w = [1, 10, 100], stride 2 -> positions 0..4 (+ output_padding 1).
  Tensor x = make_f32({1, 1, 2}, {1, 2});
  Tensor w = make_f32({1, 1, 3}, {1, 10, 100});
  auto y = run_op("ConvTranspose", in(x, w), {attr_ints("strides", {2})});
  expect_near(to_vector(y[0]), {1, 10, 102, 20, 200});
  y = run_op("ConvTranspose", in(x, w), {attr_ints("strides", {2}), attr_ints("output_padding", {1})});
  expect_near(to_vector(y[0]), {1, 10, 102, 20, 200, 0});
  y = run_op("ConvTranspose", in(x, w), {attr_ints("strides", {2}), attr_ints("pads", {1, 1})});
  expect_near(to_vector(y[0]), {10, 102, 20});
  // output_shape 7 from a natural 5: extra zeros at the end; bias added everywhere.
  y = run_op("ConvTranspose", in(x, w, make_f32({1}, {0.5f})), {attr_ints("strides", {2}), attr_ints("output_shape", {6})});
  expect_near(to_vector(y[0]), {1.5f, 10.5f, 102.5f, 20.5f, 200.5f, 0.5f});
  // SAME_UPPER: output = 2 * 2 = 4, total padding 1 at the end.
  y = run_op("ConvTranspose", in(x, w), {attr_ints("strides", {2}), attr_string("auto_pad", "SAME_UPPER")});
  expect_near(to_vector(y[0]), {1, 10, 102, 20});
  y = run_op("ConvTranspose", in(x, w), {attr_ints("strides", {2}), attr_string("auto_pad", "SAME_LOWER")});
  expect_near(to_vector(y[0]), {10, 102, 20, 200});
}

TEST(RefNnConv, TransposeMatchesNaiveScatter) {
  const int64_t N = 1, C = 4, H = 5, W = 6, G = 2, Mg = 3, K = 3, s = 2, p = 1, d = 1, op = 1;
  const int64_t OH = s * (H - 1) + op + (K - 1) * d + 1 - 2 * p, OW = s * (W - 1) + op + (K - 1) * d + 1 - 2 * p;
  auto xv = random_values(N * C * H * W, 4);
  auto wv = random_values(C * Mg * K * K, 5);
  std::vector<double> want(static_cast<size_t>(N * G * Mg * OH * OW), 0.0);
  const int64_t Cg = C / G;
  for (int64_t c = 0; c < C; ++c)
    for (int64_t m = 0; m < Mg; ++m)
      for (int64_t ih = 0; ih < H; ++ih)
        for (int64_t iw = 0; iw < W; ++iw)
          for (int64_t kh = 0; kh < K; ++kh)
            for (int64_t kw = 0; kw < K; ++kw) {
              const int64_t oh = ih * s - p + kh * d, ow = iw * s - p + kw * d;
              if (oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
              const int64_t oc = (c / Cg) * Mg + m;
              want[(oc * OH + oh) * OW + ow] += static_cast<double>(xv[(c * H + ih) * W + iw]) * wv[((c * Mg + m) * K + kh) * K + kw];
            }
  auto y = run_op("ConvTranspose", in(make_f32({N, C, H, W}, xv), make_f32({C, Mg, K, K}, wv)),
                  {attr_int("group", G), attr_ints("strides", {s, s}), attr_ints("pads", {p, p, p, p}),
                   attr_ints("output_padding", {op, op})});
  ASSERT_EQ(y[0].shape(), (Shape{N, G * Mg, OH, OW}));
  expect_near(to_vector(y[0]), std::vector<float>(want.begin(), want.end()), 1e-4f);
}

TEST(RefNnConv, TransposeErrors) {
  Tensor x = make_f32({1, 2, 2, 2}, std::vector<float>(8, 1));
  EXPECT_EQ(error_of([&] { run_op("ConvTranspose", in(x, make_f32({3, 1, 2, 2}, std::vector<float>(12, 1)))); }),
            ErrorKind::kInvalidModel);
  // output_padding must be smaller than the stride.
  EXPECT_EQ(error_of([&] {
              run_op("ConvTranspose", in(x, make_f32({2, 1, 2, 2}, std::vector<float>(8, 1))),
                     {attr_ints("output_padding", {1, 1})});
            }),
            ErrorKind::kInvalidModel);
}

// ------------------------------------------------------------------------------------ pools

TEST(RefNnPool, MaxPoolCeilModeAndIndices) {
  Tensor x = make_f32({1, 1, 4, 4}, iota(16, 1));
  auto y = run_op("MaxPool", in(x), {attr_ints("kernel_shape", {3, 3}), attr_ints("strides", {2, 2})});
  EXPECT_EQ(y[0].shape(), (Shape{1, 1, 1, 1}));
  expect_near(to_vector(y[0]), {11});
  y = run_op("MaxPool", in(x), {attr_ints("kernel_shape", {3, 3}), attr_ints("strides", {2, 2}), attr_int("ceil_mode", 1)},
             2);
  EXPECT_EQ(y[0].shape(), (Shape{1, 1, 2, 2}));
  expect_near(to_vector(y[0]), {11, 12, 15, 16});
  ASSERT_EQ(y[1].dtype(), DType::kI64);
  const int64_t* idx = y[1].as<int64_t>();
  EXPECT_EQ(std::vector<int64_t>(idx, idx + 4), (std::vector<int64_t>{10, 11, 14, 15}));
  // Column-major indices: (h, w) -> w * H + h.
  y = run_op("MaxPool", in(x),
             {attr_ints("kernel_shape", {3, 3}), attr_ints("strides", {2, 2}), attr_int("ceil_mode", 1),
              attr_int("storage_order", 1)},
             2);
  idx = y[1].as<int64_t>();
  EXPECT_EQ(std::vector<int64_t>(idx, idx + 4), (std::vector<int64_t>{10, 14, 11, 15}));
}

TEST(RefNnPool, MaxPoolPadsAndDilations) {
  Tensor x = make_f32({1, 1, 1, 5}, {5, -1, 3, -2, 4});
  auto y = run_op("MaxPool", in(x), {attr_ints("kernel_shape", {1, 2}), attr_ints("pads", {0, 1, 0, 1})});
  expect_near(to_vector(y[0]), {5, 5, 3, 3, 4, 4});
  y = run_op("MaxPool", in(x), {attr_ints("kernel_shape", {1, 2}), attr_ints("dilations", {1, 2})});
  expect_near(to_vector(y[0]), {5, -1, 4});
}

TEST(RefNnPool, AveragePoolCountIncludePadAndCeil) {
  Tensor x = make_f32({1, 1, 4, 4}, iota(16, 1));
  std::vector<Attribute> attrs = {attr_ints("kernel_shape", {3, 3}), attr_ints("strides", {2, 2}),
                                  attr_ints("pads", {1, 1, 1, 1}), attr_int("ceil_mode", 1)};
  auto y = run_op("AveragePool", in(x), attrs);
  EXPECT_EQ(y[0].shape(), (Shape{1, 1, 3, 3}));
  expect_near(to_vector(y[0]), {3.5f, 5, 6, 9.5f, 11, 12, 13.5f, 15, 16});
  attrs.push_back(attr_int("count_include_pad", 1));
  y = run_op("AveragePool", in(x), attrs);
  // Divisors count the explicit padding but not the positions ceil_mode adds past it.
  expect_near(to_vector(y[0]), {14.f / 9, 30.f / 9, 2, 57.f / 9, 11, 6, 4.5f, 7.5f, 4});
}

TEST(RefNnPool, GlobalPoolsAndLpPool) {
  Tensor x = make_f32({1, 2, 2, 2}, {1, 2, 3, 4, -1, -8, 0, 5});
  auto y = run_op("GlobalAveragePool", in(x));
  EXPECT_EQ(y[0].shape(), (Shape{1, 2, 1, 1}));
  expect_near(to_vector(y[0]), {2.5f, -1});
  y = run_op("GlobalMaxPool", in(x));
  expect_near(to_vector(y[0]), {4, 5});
  y = run_op("LpPool", in(make_f32({1, 1, 1, 2}, {3, -4})), {attr_ints("kernel_shape", {1, 2})});
  expect_near(to_vector(y[0]), {5});
}

// ------------------------------------------------------------------------------------ norms

TEST(RefNnNorm, BatchNormalization) {
  Tensor x = make_f32({1, 2, 1, 2}, {1, 3, 2, 6});
  auto y = run_op("BatchNormalization",
                  in(x, make_f32({2}, {2, 1}), make_f32({2}, {0, 1}), make_f32({2}, {2, 4}), make_f32({2}, {1, 4})),
                  {attr_float("epsilon", 0)});
  // ch0: 2 * (x - 2) / 1; ch1: (x - 4) / 2 + 1.
  expect_near(to_vector(y[0]), {-2, 2, 0, 2});
  auto params = [] {
    return in(make_f32({1, 1, 1}, {1}), make_f32({1}, {1}), make_f32({1}, {0}), make_f32({1}, {0}), make_f32({1}, {1}));
  };
  EXPECT_EQ(error_of([&] { run_op("BatchNormalization", params(), {attr_int("training_mode", 1)}, 1, 15); }),
            ErrorKind::kUnsupported);
  EXPECT_EQ(error_of([&] { run_op("BatchNormalization", params(), {}, 3, 15); }), ErrorKind::kUnsupported);
  EXPECT_EQ(error_of([&] { run_op("BatchNormalization", params(), {attr_int("is_test", 0)}, 1, 6); }),
            ErrorKind::kUnsupported);
  auto p = params();
  p[1] = make_f32({2}, {1, 1});
  EXPECT_EQ(error_of([&] { run_op("BatchNormalization", p); }), ErrorKind::kInvalidModel);
}

TEST(RefNnNorm, InstanceAndLayerNormalization) {
  auto y = run_op("InstanceNormalization", in(make_f32({1, 2, 1, 2}, {1, 3, 5, 9}), make_f32({2}, {2, 1}), make_f32({2}, {1, 7})),
                  {attr_float("epsilon", 0.f)});
  expect_near(to_vector(y[0]), {-1, 3, 6, 8});
  y = run_op("LayerNormalization", in(make_f32({2, 2}, {1, 3, 2, 6}), make_f32({2}, {1, 2}), make_f32({2}, {0, 1})),
             {attr_float("epsilon", 0.f)}, 3);
  expect_near(to_vector(y[0]), {-1, 3, -1, 3});
  EXPECT_EQ(y[1].shape(), (Shape{2, 1}));
  expect_near(to_vector(y[1]), {2, 4});
  expect_near(to_vector(y[2]), {1, 0.5f});
  // axis 0 normalises everything; a scalar-like scale broadcasts.
  y = run_op("LayerNormalization", in(make_f32({2, 2}, {1, 1, 3, 3}), make_f32({1}, {2})),
             {attr_float("epsilon", 0.f), attr_int("axis", 0)});
  expect_near(to_vector(y[0]), {-2, -2, 2, 2});
}

TEST(RefNnNorm, GroupNormalizationOpset18VersusOpset21) {
  // Two groups: {1, 3} and {5, 7}, each normalises to {-1, 1}.
  Tensor x = make_f32({1, 4, 1, 1}, {1, 3, 5, 7});
  auto y = run_op("GroupNormalization", in(x, make_f32({2}, {2, 3}), make_f32({2}, {0, 10})),
                  {attr_int("num_groups", 2), attr_float("epsilon", 0.f)}, 1, 18);
  expect_near(to_vector(y[0]), {-2, 2, 7, 13});
  y = run_op("GroupNormalization", in(x, make_f32({4}, {1, 2, 3, 4}), make_f32({4}, {0, 0, 0, 1})),
             {attr_int("num_groups", 2), attr_float("epsilon", 0.f)}, 1, 21);
  expect_near(to_vector(y[0]), {-1, 2, -3, 5});
  // Per-channel scale in opset 18 (and per-group in 21) are malformed.
  EXPECT_EQ(error_of([&] {
              run_op("GroupNormalization", in(x, make_f32({4}, {1, 2, 3, 4}), make_f32({4}, {0, 0, 0, 1})),
                     {attr_int("num_groups", 2)}, 1, 18);
            }),
            ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] {
              run_op("GroupNormalization", in(x, make_f32({2}, {1, 2}), make_f32({2}, {0, 0})), {attr_int("num_groups", 2)},
                     1, 21);
            }),
            ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] {
              run_op("GroupNormalization", in(x, make_f32({3}, {1, 2, 3}), make_f32({3}, {0, 0, 0})), {attr_int("num_groups", 3)},
                     1, 21);
            }),
            ErrorKind::kInvalidModel);
}

TEST(RefNnNorm, Lrn) {
  // size 3: square sums over channels {0,1}, {0,1,2}, {1,2}; bias 1, alpha 3 (alpha/size = 1), beta 1.
  auto y = run_op("LRN", in(make_f32({1, 3, 1, 1}, {1, 2, 3})),
                  {attr_int("size", 3), attr_float("alpha", 3), attr_float("beta", 1), attr_float("bias", 1)});
  expect_near(to_vector(y[0]), {1.f / 6, 2.f / 15, 3.f / 14});
}

// ------------------------------------------------------------------------------------ Gemm / MatMul

TEST(RefNnMatMul, GemmTransposesAlphaBetaAndBroadcastC) {
  Tensor a = make_f32({3, 2}, {1, 4, 2, 5, 3, 6});  // A^T = [[1,2,3],[4,5,6]]
  Tensor b = make_f32({2, 3}, {1, 3, 5, 2, 4, 6});  // B^T = [[1,2],[3,4],[5,6]]
  auto y = run_op("Gemm", in(a, b, make_f32({2}, {1, 2})),
                  {attr_int("transA", 1), attr_int("transB", 1), attr_float("alpha", 2), attr_float("beta", 10)});
  // A^T B^T = [[22, 28], [49, 64]].
  EXPECT_EQ(y[0].shape(), (Shape{2, 2}));
  expect_near(to_vector(y[0]), {54, 76, 108, 148});
  y = run_op("Gemm", in(make_f32({2, 3}, {1, 2, 3, 4, 5, 6}), make_f32({3, 2}, {1, 2, 3, 4, 5, 6}), make_f32({2, 1}, {1, -1})));
  expect_near(to_vector(y[0]), {23, 29, 48, 63});
  y = run_op("Gemm", in(make_f32({1, 2}, {1, 2}), make_f32({2, 1}, {3, 4})));
  expect_near(to_vector(y[0]), {11});
  EXPECT_EQ(error_of([&] { run_op("Gemm", in(make_f32({2, 3}, iota(6)), make_f32({2, 3}, iota(6)))); }),
            ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] {
              run_op("Gemm", in(make_f32({2, 3}, iota(6)), make_f32({3, 2}, iota(6)), make_f32({3}, iota(3))));
            }),
            ErrorKind::kInvalidModel);
}

TEST(RefNnMatMul, OneDimensionalPromotionAndBatchBroadcast) {
  auto y = run_op("MatMul", in(make_f32({2}, {1, 2}), make_f32({2, 3}, {1, 2, 3, 4, 5, 6})));
  EXPECT_EQ(y[0].shape(), (Shape{3}));
  expect_near(to_vector(y[0]), {9, 12, 15});
  y = run_op("MatMul", in(make_f32({2, 3}, {1, 2, 3, 4, 5, 6}), make_f32({3}, {1, 0, -1})));
  EXPECT_EQ(y[0].shape(), (Shape{2}));
  expect_near(to_vector(y[0]), {-2, -2});
  y = run_op("MatMul", in(make_f32({2}, {1, 2}), make_f32({2}, {3, 4})));
  EXPECT_EQ(y[0].shape(), (Shape{}));
  expect_near(to_vector(y[0]), {11});
  // [2,1,1,2] x [3,2,1] -> [2,3,1,1]: batch dims broadcast both ways.
  y = run_op("MatMul", in(make_f32({2, 1, 1, 2}, {1, 2, 3, 4}), make_f32({3, 2, 1}, {1, 1, 1, 0, 0, 1})));
  EXPECT_EQ(y[0].shape(), (Shape{2, 3, 1, 1}));
  expect_near(to_vector(y[0]), {3, 1, 2, 7, 3, 4});
  EXPECT_EQ(error_of([&] { run_op("MatMul", in(make_f32({2, 3}, iota(6)), make_f32({2, 3}, iota(6)))); }),
            ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("MatMul", in(make_f32({2, 2, 3}, iota(12)), make_f32({3, 3, 1}, iota(9)))); }),
            ErrorKind::kInvalidModel);
}

TEST(RefNnMatMul, MatchesNaiveLoopAcrossGemmBlocks) {
  const int64_t B = 2, M = 70, K = 300, N = 261;
  auto av = random_values(B * M * K, 6), bv = random_values(K * N, 7);
  auto y = run_op("MatMul", in(make_f32({B, M, K}, av), make_f32({K, N}, bv)));
  std::vector<float> want(static_cast<size_t>(B * M * N));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double acc = 0;
        for (int64_t k = 0; k < K; ++k) acc += static_cast<double>(av[(b * M + i) * K + k]) * bv[k * N + j];
        want[(b * M + i) * N + j] = static_cast<float>(acc);
      }
  expect_near(to_vector(y[0]), want, 1e-4f);
}

TEST(RefNnMatMul, IntegerMatMul) {
  Tensor a(DType::kI64, {2, 2}), b(DType::kI64, {2, 1});
  int64_t av[] = {1, 2, 3, 4}, bv[] = {5, 6};
  std::memcpy(a.data(), av, sizeof av);
  std::memcpy(b.data(), bv, sizeof bv);
  auto y = run_op("MatMul", in(a, b));
  EXPECT_EQ(y[0].as<int64_t>()[0], 17);
  EXPECT_EQ(y[0].as<int64_t>()[1], 39);
}

// ------------------------------------------------------------------------------------ Einsum

std::vector<float> naive_attention_scores(const std::vector<float>& q, const std::vector<float>& k, int64_t B, int64_t H,
                                          int64_t I, int64_t J, int64_t D) {
  std::vector<float> s(static_cast<size_t>(B * H * I * J));
  for (int64_t bh = 0; bh < B * H; ++bh)
    for (int64_t i = 0; i < I; ++i)
      for (int64_t j = 0; j < J; ++j) {
        double acc = 0;
        for (int64_t d = 0; d < D; ++d) acc += static_cast<double>(q[(bh * I + i) * D + d]) * k[(bh * J + j) * D + d];
        s[(bh * I + i) * J + j] = static_cast<float>(acc);
      }
  return s;
}

TEST(RefNnEinsum, AttentionPatterns) {
  const int64_t B = 2, H = 3, I = 17, J = 19, D = 8;
  auto q = random_values(B * H * I * D, 8), k = random_values(B * H * J * D, 9);
  auto y = run_op("Einsum", in(make_f32({B, H, I, D}, q), make_f32({B, H, J, D}, k)), {attr_string("equation", "bhid,bhjd->bhij")});
  EXPECT_EQ(y[0].shape(), (Shape{B, H, I, J}));
  auto scores = naive_attention_scores(q, k, B, H, I, J, D);
  expect_near(to_vector(y[0]), scores, 1e-4f);
  // scores x V: "bhij,bhjd->bhid".
  auto v = random_values(B * H * J * D, 10);
  y = run_op("Einsum", in(make_f32({B, H, I, J}, scores), make_f32({B, H, J, D}, v)),
             {attr_string("equation", "bhij,bhjd->bhid")});
  std::vector<float> want(static_cast<size_t>(B * H * I * D));
  for (int64_t bh = 0; bh < B * H; ++bh)
    for (int64_t i = 0; i < I; ++i)
      for (int64_t d = 0; d < D; ++d) {
        double acc = 0;
        for (int64_t j = 0; j < J; ++j) acc += static_cast<double>(scores[(bh * I + i) * J + j]) * v[(bh * J + j) * D + d];
        want[(bh * I + i) * D + d] = static_cast<float>(acc);
      }
  expect_near(to_vector(y[0]), want, 1e-4f);
  // The same contraction with the output transposed ("...->bhdi") runs through the operand swap.
  y = run_op("Einsum", in(make_f32({B, H, I, J}, scores), make_f32({B, H, J, D}, v)),
             {attr_string("equation", "bhij,bhjd->bhdi")});
  auto got = to_vector(y[0]);
  for (int64_t bh = 0; bh < B * H; ++bh)
    for (int64_t i = 0; i < I; ++i)
      for (int64_t d = 0; d < D; ++d)
        EXPECT_NEAR(got[(bh * D + d) * I + i], want[(bh * I + i) * D + d], 1e-4f);
}

TEST(RefNnEinsum, GeneralEquations) {
  Tensor m = make_f32({2, 3}, {1, 2, 3, 4, 5, 6});
  auto eq = [](const char* e) { return std::vector<Attribute>{attr_string("equation", e)}; };
  auto y = run_op("Einsum", in(m), eq("ij->ji"));
  EXPECT_EQ(y[0].shape(), (Shape{3, 2}));
  expect_near(to_vector(y[0]), {1, 4, 2, 5, 3, 6});
  y = run_op("Einsum", in(m), eq("ij->"));
  expect_near(to_vector(y[0]), {21});
  y = run_op("Einsum", in(m), eq("ij->i"));
  expect_near(to_vector(y[0]), {6, 15});
  // Implicit output: labels seen once, sorted: "ij" stays, "ji" becomes a transpose to "ij".
  y = run_op("Einsum", in(m), eq("ji"));
  EXPECT_EQ(y[0].shape(), (Shape{3, 2}));
  expect_near(to_vector(y[0]), {1, 4, 2, 5, 3, 6});
  y = run_op("Einsum", in(m, make_f32({3, 1}, {1, 1, 1})), eq("ij,jk"));
  expect_near(to_vector(y[0]), {6, 15});
  // Diagonal and trace.
  Tensor sq = make_f32({3, 3}, iota(9));
  y = run_op("Einsum", in(sq), eq("ii->i"));
  expect_near(to_vector(y[0]), {0, 4, 8});
  y = run_op("Einsum", in(sq), eq("ii"));
  expect_near(to_vector(y[0]), {12});
  // Inner and outer products, three operands.
  Tensor v = make_f32({3}, {1, 2, 3});
  y = run_op("Einsum", in(v, v), eq("i,i->"));
  expect_near(to_vector(y[0]), {14});
  y = run_op("Einsum", in(v, make_f32({2}, {1, 10})), eq("i,j->ij"));
  expect_near(to_vector(y[0]), {1, 10, 2, 20, 3, 30});
  y = run_op("Einsum", in(v, v, v), eq("i,i,i->"));
  expect_near(to_vector(y[0]), {36});
  // Ellipsis broadcasting: [2,1,2,2] x [3,2,2] -> [2,3,2,2].
  Tensor a = make_f32({2, 1, 2, 2}, {1, 0, 0, 1, 2, 0, 0, 2});
  Tensor b = make_f32({3, 2, 2}, iota(12));
  y = run_op("Einsum", in(a, b), eq("...ij,...jk->...ik"));
  EXPECT_EQ(y[0].shape(), (Shape{2, 3, 2, 2}));
  auto bv = iota(12);
  std::vector<float> want = bv;
  for (float f : bv) want.push_back(2 * f);
  expect_near(to_vector(y[0]), want);
  // Batch diagonal with ellipsis.
  y = run_op("Einsum", in(make_f32({2, 2, 2}, iota(8))), eq("...ii->...i"));
  expect_near(to_vector(y[0]), {0, 3, 4, 7});
}

TEST(RefNnEinsum, Errors) {
  Tensor m = make_f32({2, 3}, iota(6));
  auto eq = [](const char* e) { return std::vector<Attribute>{attr_string("equation", e)}; };
  EXPECT_EQ(error_of([&] { run_op("Einsum", in(m), eq("ijk->i")); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("Einsum", in(m, m), eq("ij,ij,ij->i")); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("Einsum", in(m), eq("ij->k")); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("Einsum", in(m, m), eq("ij,jk->ik")); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("Einsum", in(m), eq("i1->i")); }), ErrorKind::kInvalidModel);
}

// ------------------------------------------------------------------------------------ Resize

Tensor scales(const std::vector<float>& s) { return make_f32({static_cast<int64_t>(s.size())}, s); }

TEST(RefNnResize, NearestUpsample) {
  Tensor x = make_f32({1, 1, 2, 2}, {1, 2, 3, 4});
  auto y = run_op("Resize", in(x, Tensor(), scales({1, 1, 2, 2})), {attr_string("mode", "nearest")}, 1, 13);
  EXPECT_EQ(y[0].shape(), (Shape{1, 1, 4, 4}));
  expect_near(to_vector(y[0]), {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  // 1x3 upsample of [1, 2]: half_pixel sources -1/3, 0, 1/3, 2/3, 1, 4/3 with round_prefer_floor.
  y = run_op("Resize", in(make_f32({1, 2}, {1, 2}), Tensor(), scales({1, 3})), {}, 1, 13);
  expect_near(to_vector(y[0]), {1, 1, 1, 2, 2, 2});
  // Opset 10: (X, scales), asymmetric, floor.
  y = run_op("Resize", in(make_f32({1, 2}, {1, 2}), scales({1, 2.5f})), {}, 1, 10);
  expect_near(to_vector(y[0]), {1, 1, 1, 2, 2});
  y = run_op("Upsample", in(make_f32({1, 2}, {1, 2}), scales({2, 2})), {}, 1, 9);
  expect_near(to_vector(y[0]), {1, 1, 2, 2, 1, 1, 2, 2});
}

TEST(RefNnResize, NearestModes) {
  // asymmetric sizes 1 -> 4 of [1, 2]... use 2 -> 3: sources 0, 2/3, 4/3.
  Tensor x = make_f32({3}, {10, 20, 30});
  Tensor sizes = make_i64({1}, {5});
  auto run = [&](const char* nearest) {
    return to_vector(run_op("Resize", in(x, Tensor(), Tensor(), sizes),
                            {attr_string("coordinate_transformation_mode", "asymmetric"), attr_string("nearest_mode", nearest)},
                            1, 13)[0]);
  };
  // sources x * 3/5: 0, 0.6, 1.2, 1.8, 2.4
  expect_near(run("round_prefer_floor"), {10, 20, 20, 30, 30});
  expect_near(run("floor"), {10, 10, 20, 20, 30});
  expect_near(run("ceil"), {10, 20, 30, 30, 30});
  // 0.5 ties: sizes 6 -> sources 0, .5, 1, 1.5, 2, 2.5
  sizes = make_i64({1}, {6});
  expect_near(run("round_prefer_floor"), {10, 10, 20, 20, 30, 30});
  expect_near(run("round_prefer_ceil"), {10, 20, 20, 30, 30, 30});
}

TEST(RefNnResize, BilinearAlignCornersVersusHalfPixel) {
  // x[r][c] = 1 + c + 2r is linear, so bilinear samples it exactly: y = 1 + f(c) + 2 f(r).
  Tensor x = make_f32({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor sizes = make_i64({4}, {1, 1, 4, 4});
  auto expect = [](const std::vector<float>& f) {
    std::vector<float> v;
    for (float r : f)
      for (float c : f) v.push_back(1 + c + 2 * r);
    return v;
  };
  auto y = run_op("Resize", in(x, Tensor(), Tensor(), sizes),
                  {attr_string("mode", "linear"), attr_string("coordinate_transformation_mode", "align_corners")}, 1, 13);
  expect_near(to_vector(y[0]), expect({0, 1.f / 3, 2.f / 3, 1}));
  // half_pixel: sources -0.25, 0.25, 0.75, 1.25, clamped at the borders.
  y = run_op("Resize", in(x, Tensor(), Tensor(), sizes), {attr_string("mode", "linear")}, 1, 13);
  expect_near(to_vector(y[0]), expect({0, 0.25f, 0.75f, 1}));
  // axes (opset 18): resize only the last two dims.
  y = run_op("Resize", in(x, Tensor(), Tensor(), make_i64({2}, {4, 4})),
             {attr_string("mode", "linear"), attr_ints("axes", {2, 3})}, 1, 18);
  expect_near(to_vector(y[0]), expect({0, 0.25f, 0.75f, 1}));
}

TEST(RefNnResize, CubicAndCropAndResize) {
  // Cubic reproduces a linear ramp away from the borders (the kernel's weights sum to 1 and
  // are symmetric): upsample 8 -> 16 with asymmetric coordinates, interior samples.
  Tensor x = make_f32({8}, iota(8));
  auto y = run_op("Resize", in(x, Tensor(), scales({2})),
                  {attr_string("mode", "cubic"), attr_string("coordinate_transformation_mode", "asymmetric")}, 1, 13);
  auto v = to_vector(y[0]);
  for (int i = 4; i < 12; ++i) EXPECT_NEAR(v[i], i / 2.f, 1e-5f) << i;
  // tf_crop_and_resize: roi [0.5, 1.5] of [0, 1, 2] (in units of width-1 = 2): sources 1, 2, 3;
  // 3 is outside -> extrapolation value.
  y = run_op("Resize", in(make_f32({3}, {0, 10, 20}), make_f32({2}, {0.5f, 1.5f}), Tensor(), make_i64({1}, {3})),
             {attr_string("mode", "linear"), attr_string("coordinate_transformation_mode", "tf_crop_and_resize"),
              attr_float("extrapolation_value", -1)},
             1, 13);
  expect_near(to_vector(y[0]), {10, 20, -1});
}

TEST(RefNnResize, Errors) {
  Tensor x = make_f32({1, 1, 2, 2}, {1, 2, 3, 4});
  EXPECT_EQ(error_of([&] {
              run_op("Resize", in(x, Tensor(), scales({1, 1, 2, 2})), {attr_string("mode", "nearest"), attr_int("antialias", 1)},
                     1, 18);
            }),
            ErrorKind::kUnsupported);
  EXPECT_EQ(error_of([&] {
              run_op("Resize", in(x, Tensor(), scales({1, 1, 2, 2})), {attr_string("coordinate_transformation_mode", "bogus")}, 1,
                     13);
            }),
            ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("Resize", in(x, Tensor(), scales({2, 2})), {}, 1, 13); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] {
              run_op("Resize", in(x, Tensor(), scales({1, 1, 2, 2}), make_i64({4}, {1, 1, 4, 4})), {}, 1, 13);
            }),
            ErrorKind::kInvalidModel);
  // tf_half_pixel_for_nn was removed in opset 13.
  EXPECT_EQ(error_of([&] {
              run_op("Resize", in(x, Tensor(), scales({1, 1, 2, 2})),
                     {attr_string("coordinate_transformation_mode", "tf_half_pixel_for_nn")}, 1, 13);
            }),
            ErrorKind::kInvalidModel);
  // 8-bit data: nearest picks input values (exact); linear would compute, which is refused.
  Tensor q(DType::kU8, Shape{1, 1, 2, 2});
  for (int i = 0; i < 4; ++i) static_cast<uint8_t*>(q.data())[i] = static_cast<uint8_t>(250 + i);
  auto yq = run_op("Resize", in(q, Tensor(), scales({1, 1, 2, 2})), {attr_string("mode", "nearest")}, 1, 13);
  ASSERT_EQ(yq[0].dtype(), DType::kU8);
  const uint8_t* pq = static_cast<const uint8_t*>(yq[0].data());
  EXPECT_EQ(std::vector<int>(pq, pq + 16), (std::vector<int>{250, 250, 251, 251, 250, 250, 251, 251, 252, 252, 253, 253, 252, 252, 253, 253}));
  EXPECT_EQ(error_of([&] { run_op("Resize", in(q, Tensor(), scales({1, 1, 2, 2})), {attr_string("mode", "linear")}, 1, 13); }),
            ErrorKind::kUnsupported);
  // Opset-10 nearest downsampling by 2/3 is unspecified.
  EXPECT_EQ(error_of([&] { run_op("Resize", in(make_f32({3}, {1, 2, 3}), scales({0.67f})), {}, 1, 10); }),
            ErrorKind::kUnsupported);
}

// ------------------------------------------------------------------------------------ f64

TEST(RefNnDouble, ConvMatMulNormResizeInDouble) {
  auto y = run_op("Conv", in(make_f64({1, 1, 3, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8}), make_f64({1, 1, 3, 3}, std::vector<double>(9, 1))),
                  {attr_ints("pads", {1, 1, 1, 1})});
  ASSERT_EQ(y[0].dtype(), DType::kF64);
  EXPECT_EQ(to_f64(y[0]), (std::vector<double>{8, 15, 12, 21, 36, 27, 20, 33, 24}));
  y = run_op("MatMul", in(make_f64({2, 2}, {1, 2, 3, 4}), make_f64({2}, {1, 0.5})));
  EXPECT_EQ(to_f64(y[0]), (std::vector<double>{2, 5}));
  y = run_op("LayerNormalization", in(make_f64({1, 2}, {1, 3}), make_f64({2}, {1, 1})), {attr_float("epsilon", 0.f)});
  EXPECT_EQ(to_f64(y[0]), (std::vector<double>{-1, 1}));
  y = run_op("Resize", in(make_f64({2}, {1, 2}), Tensor(), scales({2})), {attr_string("mode", "nearest")}, 1, 13);
  EXPECT_EQ(to_f64(y[0]), (std::vector<double>{1, 1, 2, 2}));
  y = run_op("ConvTranspose", in(make_f64({1, 1, 2}, {1, 2}), make_f64({1, 1, 3}, {1, 10, 100})), {attr_ints("strides", {2})});
  EXPECT_EQ(to_f64(y[0]), (std::vector<double>{1, 10, 102, 20, 200}));
  y = run_op("Einsum", in(make_f64({2, 2}, {1, 2, 3, 4}), make_f64({2, 2}, {1, 0, 0, 1})), {attr_string("equation", "ij,jk->ik")});
  EXPECT_EQ(to_f64(y[0]), (std::vector<double>{1, 2, 3, 4}));
  // Mixed dtypes are rejected, not silently converted.
  EXPECT_EQ(error_of([&] { run_op("Conv", in(make_f64({1, 1, 1, 1}, {1}), make_f32({1, 1, 1, 1}, {1}))); }),
            ErrorKind::kInvalidModel);
}

TEST(RefNnResize, UpsampleAttributeScalesAndLinear) {
  // Opset 7 Upsample takes scales as an attribute; linear uses asymmetric coordinates.
  auto y = run_op("Upsample", in(make_f32({1, 2}, {1, 3})), {attr_floats("scales", {1, 2}), attr_string("mode", "linear")}, 1, 7);
  expect_near(to_vector(y[0]), {1, 2, 3, 3});
  EXPECT_EQ(error_of([&] { run_op("Upsample", in(make_f32({1, 2}, {1, 3}), scales({1, 0.5f})), {}, 1, 9); }),
            ErrorKind::kInvalidModel);
}

TEST(RefNnPool, AutoPadAmbiguitiesAreUnsupported) {
  Tensor x = make_f32({1, 1, 9}, iota(9));
  // SAME with dilations: the ONNX reference and onnxruntime disagree.
  EXPECT_EQ(error_of([&] {
              run_op("MaxPool", in(x), {attr_ints("kernel_shape", {2}), attr_ints("dilations", {2}), attr_string("auto_pad", "SAME_UPPER")});
            }),
            ErrorKind::kUnsupported);
  // A 1-wide window with stride 3: negative total padding.
  EXPECT_EQ(error_of([&] {
              run_op("MaxPool", in(make_f32({1, 1, 6}, iota(6))),
                     {attr_ints("kernel_shape", {1}), attr_ints("strides", {3}), attr_string("auto_pad", "SAME_UPPER")});
            }),
            ErrorKind::kUnsupported);
  // Ceil mode with VALID.
  EXPECT_EQ(error_of([&] {
              run_op("AveragePool", in(x), {attr_ints("kernel_shape", {2}), attr_int("ceil_mode", 1), attr_string("auto_pad", "VALID")});
            }),
            ErrorKind::kUnsupported);
  // kernel_shape is required.
  EXPECT_EQ(error_of([&] { run_op("MaxPool", in(x)); }), ErrorKind::kInvalidModel);
}

}  // namespace
}  // namespace edgewm
