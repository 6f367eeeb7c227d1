// Fast kernels against independent oracles, on every ISA path this CPU has: the micro-kernels
// against a double-precision sum, and Conv / MatMul / Gemm (whichever kernel the registry
// picks: the fastest the CPU allows, capped by EDGEWM_ISA — CTest also runs this file with
// EDGEWM_ISA=avx2 and =scalar) against direct loops over random shapes with odd sizes.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <random>

#include "kernels/cpu_features.h"
#include "kernels/isa_table.h"
#include "op_test_util.h"

namespace edgewm {
namespace {

using testing::attr_int;
using testing::attr_ints;
using testing::in;
using testing::run_op;
using testing::selected_kernel;

std::vector<float> random_vec(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

Tensor random_tensor(const Shape& s, std::mt19937& rng) {
  Tensor t(DType::kF32, s);
  auto v = random_vec(static_cast<size_t>(t.numel()), rng);
  std::copy(v.begin(), v.end(), t.as<float>());
  return t;
}

TEST(GemmMicro, EveryIsaMatchesADoubleSum) {
  std::mt19937 rng(1);
  int tested = 0;
  for (Isa isa : kBuildIsas) {
    const bool have = isa == Isa::kNeon ? detected_isa() == Isa::kNeon
                                        : detected_isa() != Isa::kNeon &&
                                              static_cast<int>(detected_isa()) >= static_cast<int>(isa);
    if (!have) continue;
    ASSERT_NE(isa_table(isa), nullptr);
    const GemmMicroF32* micro = &isa_table(isa)->gemm;
    ++tested;
    for (int trial = 0; trial < 300; ++trial) {
      const int64_t kc = std::uniform_int_distribution<int64_t>(1, 70)(rng);
      const int mr = std::uniform_int_distribution<int>(1, micro->mr_max)(rng);
      const int nr = std::uniform_int_distribution<int>(1, micro->nr_max)(rng);
      const bool transposed_a = trial % 3 == 0;
      // Panel: row stride a multiple of 16, zero past nr (as gemm_run packs it), plus slack
      // past the last row so a kernel that overreads would read garbage, not fault.
      const int64_t ldp = (nr + 15) / 16 * 16 + (trial % 2) * 16;
      std::vector<float> p(static_cast<size_t>(kc * ldp + 64), 1e30f);
      for (int64_t k = 0; k < kc; ++k)
        for (int64_t j = 0; j < ldp; ++j) p[k * ldp + j] = j < nr ? random_vec(1, rng)[0] : 0.f;
      const int64_t a_rs = transposed_a ? 1 : kc, a_cs = transposed_a ? mr : 1;
      auto a = random_vec(static_cast<size_t>(mr * kc), rng);
      const int64_t ldc = nr + 5;
      auto c = random_vec(static_cast<size_t>(mr * ldc), rng);
      const auto c0 = c;
      const float alpha = trial % 4 == 0 ? 0.5f : 1.f;
      micro->fn(kc, a.data(), a_rs, a_cs, mr, p.data(), ldp, c.data(), ldc, nr, alpha);
      for (int r = 0; r < mr; ++r)
        for (int64_t j = 0; j < ldc; ++j) {
          double want = c0[r * ldc + j];
          if (j < nr)
            for (int64_t k = 0; k < kc; ++k) want += alpha * double(a[r * a_rs + k * a_cs]) * p[k * ldp + j];
          ASSERT_NEAR(c[r * ldc + j], want, 1e-4 * (1 + std::abs(want)))
              << isa_name(isa) << " kc " << kc << " mr " << mr << " nr " << nr << " at " << r << "," << j;
        }
    }
  }
  if (!tested) GTEST_SKIP() << "no AVX2 or NEON on this CPU";
}

// Direct convolution, the definition: y[n][m][oy][ox] = b[m] + sum x * w.
std::vector<double> direct_conv(const Tensor& x, const Tensor& w, const Tensor* b, int64_t group, int64_t stride,
                                int64_t pad, int64_t dilation, Shape& out) {
  const int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
  const int64_t M = w.shape()[0], Cg = w.shape()[1], KH = w.shape()[2], KW = w.shape()[3], Mg = M / group;
  const int64_t OH = (H + 2 * pad - dilation * (KH - 1) - 1) / stride + 1;
  const int64_t OW = (W + 2 * pad - dilation * (KW - 1) - 1) / stride + 1;
  out = Shape{N, M, OH, OW};
  std::vector<double> y(static_cast<size_t>(N * M * OH * OW));
  const float* xp = x.as<float>();
  const float* wp = w.as<float>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
          double s = b ? b->as<float>()[m] : 0.0;
          const int64_t g = m / Mg;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t ky = 0; ky < KH; ++ky)
              for (int64_t kx = 0; kx < KW; ++kx) {
                const int64_t iy = oy * stride - pad + ky * dilation, ix = ox * stride - pad + kx * dilation;
                if (iy < 0 || ix < 0 || iy >= H || ix >= W) continue;
                s += double(xp[((n * C + g * Cg + c) * H + iy) * W + ix]) * wp[((m * Cg + c) * KH + ky) * KW + kx];
              }
          y[((n * M + m) * OH + oy) * OW + ox] = s;
        }
  return y;
}

TEST(FastConv, MatchesDirectConvolutionOnOddShapes) {
  std::mt19937 rng(2);
  struct Case {
    int64_t n, c, h, w, m, k, stride, pad, dilation, group;
  };
  const Case cases[] = {
      {1, 3, 32, 32, 64, 3, 1, 1, 1, 1},  {1, 64, 16, 16, 128, 3, 2, 1, 1, 1}, {2, 13, 9, 11, 7, 3, 1, 1, 1, 1},
      {1, 5, 17, 15, 33, 1, 1, 0, 1, 1},  {1, 8, 10, 10, 8, 3, 1, 1, 1, 8},    {1, 6, 12, 7, 10, 3, 2, 0, 2, 2},
      {1, 40, 8, 8, 70, 3, 1, 1, 1, 1},   {3, 4, 5, 3, 2, 5, 1, 2, 1, 1},      {1, 300, 4, 4, 17, 1, 1, 0, 1, 1},
      // Deeper than one shared panel (K = 2304 > 2048) on an 8x8 image; rows too wide for the
      // padded-row packer (the generic im2col takes them).
      {1, 256, 8, 8, 20, 3, 1, 1, 1, 1},  {1, 2, 3, 9000, 4, 3, 1, 1, 1, 1},
  };
  for (const auto& t : cases) {
    Tensor x = random_tensor(Shape{t.n, t.c, t.h, t.w}, rng);
    Tensor w = random_tensor(Shape{t.m, t.c / t.group, t.k, t.k}, rng);
    Tensor b = random_tensor(Shape{t.m}, rng);
    const std::vector<Attribute> attrs = {attr_ints("strides", {t.stride, t.stride}),
                                          attr_ints("pads", {t.pad, t.pad, t.pad, t.pad}),
                                          attr_ints("dilations", {t.dilation, t.dilation}), attr_int("group", t.group)};
    if (cpu_isa() == Isa::kNeon) {  // ARM64: a NEON kernel runs it (GEMM, depthwise or Winograd)
      EXPECT_EQ(selected_kernel("Conv", in(x, w, b), attrs).rfind("neon", 0), 0u);
    }
    auto y = run_op("Conv", in(x, w, b), attrs);
    Shape want_shape;
    auto want = direct_conv(x, w, &b, t.group, t.stride, t.pad, t.dilation, want_shape);
    ASSERT_EQ(y[0].shape(), want_shape);
    for (size_t i = 0; i < want.size(); ++i)
      ASSERT_NEAR(y[0].as<float>()[i], want[i], 1e-4 * (1 + std::abs(want[i])))
          << "conv c" << t.c << " m" << t.m << " k" << t.k << " s" << t.stride << " g" << t.group << " at " << i;
  }
}

// 3x3 stride-1 convolutions wide enough for Winograd F(2x2, 3x3): channel counts off the
// vector width, odd sizes (cropped output tiles), pads 0..2, batches, with and without bias.
TEST(FastConv, WinogradMatchesDirectConvolution) {
  std::mt19937 rng(4);
  struct Case {
    int64_t n, c, h, w, m, pad;
    bool bias;
  };
  const Case cases[] = {{1, 16, 16, 16, 16, 1, true}, {2, 20, 17, 19, 24, 1, true}, {1, 33, 20, 21, 17, 0, false},
                        {1, 17, 15, 16, 40, 2, true}, {1, 64, 32, 32, 48, 1, true},
                        // rows of more than 16 tiles (the AVX-512 transforms take 16 at a time)
                        {1, 16, 9, 37, 20, 1, true}, {2, 24, 6, 70, 16, 2, false}};
  const bool fast = cpu_isa() != Isa::kScalar;  // AVX2, AVX-512 or NEON
  for (const auto& t : cases) {
    Tensor x = random_tensor(Shape{t.n, t.c, t.h, t.w}, rng);
    Tensor w = random_tensor(Shape{t.m, t.c, 3, 3}, rng);
    Tensor b = t.bias ? random_tensor(Shape{t.m}, rng) : Tensor();
    const std::vector<Attribute> attrs = {attr_ints("pads", {t.pad, t.pad, t.pad, t.pad})};
    const std::string kernel = selected_kernel("Conv", in(x, w, b), attrs);
    if (fast) {
      EXPECT_NE(kernel.find("winograd"), std::string::npos) << kernel;
    }
    auto y = run_op("Conv", in(x, w, b), attrs);
    Shape want_shape;
    auto want = direct_conv(x, w, t.bias ? &b : nullptr, 1, 1, t.pad, 1, want_shape);
    ASSERT_EQ(y[0].shape(), want_shape);
    for (size_t i = 0; i < want.size(); ++i)
      ASSERT_NEAR(y[0].as<float>()[i], want[i], 1e-4 * (1 + std::abs(want[i])))
          << kernel << " c" << t.c << " m" << t.m << " " << t.h << "x" << t.w << " pad " << t.pad << " at " << i;
  }
  // Too small for Winograd: the im2col kernel keeps it.
  Tensor x = random_tensor(Shape{1, 32, 8, 8}, rng), w = random_tensor(Shape{32, 32, 3, 3}, rng);
  EXPECT_EQ(selected_kernel("Conv", in(x, w), {attr_ints("pads", {1, 1, 1, 1})}).find("winograd"), std::string::npos);
}

// Depthwise convolutions (group = channels): strides 1/2/3, dilation, pads, 3x3 and 5x5,
// sizes that leave partial vectors and rows that the padding cuts, batches.
TEST(FastConv, DepthwiseMatchesDirectConvolution) {
  std::mt19937 rng(6);
  struct Case {
    int64_t n, c, h, w, k, stride, pad, dilation;
  };
  const Case cases[] = {{1, 16, 32, 32, 3, 1, 1, 1}, {2, 24, 17, 19, 3, 2, 1, 1}, {1, 7, 9, 40, 5, 1, 2, 1},
                        {1, 5, 11, 13, 3, 2, 0, 2},  {1, 3, 8, 8, 3, 3, 1, 1},   {1, 32, 6, 5, 5, 2, 2, 1}};
  const bool fast = cpu_isa() != Isa::kScalar;  // AVX2, AVX-512 or NEON
  for (const auto& t : cases) {
    Tensor x = random_tensor(Shape{t.n, t.c, t.h, t.w}, rng);
    Tensor w = random_tensor(Shape{t.c, 1, t.k, t.k}, rng);
    Tensor b = random_tensor(Shape{t.c}, rng);
    const std::vector<Attribute> attrs = {attr_ints("strides", {t.stride, t.stride}),
                                          attr_ints("pads", {t.pad, t.pad, t.pad, t.pad}),
                                          attr_ints("dilations", {t.dilation, t.dilation}), attr_int("group", t.c)};
    const std::string kernel = selected_kernel("Conv", in(x, w, b), attrs);
    if (fast) {
      EXPECT_NE(kernel.find("depthwise"), std::string::npos) << kernel;
    }
    auto y = run_op("Conv", in(x, w, b), attrs);
    Shape want_shape;
    auto want = direct_conv(x, w, &b, t.c, t.stride, t.pad, t.dilation, want_shape);
    ASSERT_EQ(y[0].shape(), want_shape);
    for (size_t i = 0; i < want.size(); ++i)
      ASSERT_NEAR(y[0].as<float>()[i], want[i], 1e-5 * (1 + std::abs(want[i])))
          << kernel << " c" << t.c << " " << t.h << "x" << t.w << " k" << t.k << " s" << t.stride << " at " << i;
  }
}

TEST(FastMatMul, MatchesLoopsIncludingBatchesAndTransposes) {
  std::mt19937 rng(3);
  for (auto [b, m, k, n] : {std::array<int64_t, 4>{1, 1, 256, 1024}, {3, 7, 13, 33}, {2, 64, 64, 64}, {1, 5, 300, 17}}) {
    Tensor a = random_tensor(Shape{b, m, k}, rng), bt = random_tensor(Shape{b, k, n}, rng);
    auto y = run_op("MatMul", in(a, bt));
    for (int64_t bb = 0; bb < b; ++bb)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double s = 0;
          for (int64_t q = 0; q < k; ++q) s += double(a.as<float>()[(bb * m + i) * k + q]) * bt.as<float>()[(bb * k + q) * n + j];
          ASSERT_NEAR(y[0].as<float>()[(bb * m + i) * n + j], s, 1e-4 * (1 + std::abs(s)));
        }
  }
  // M = 1 (time-embedding Linear) takes the GEMV path; odd K and N exercise its tails.
  for (int64_t m : {9, 1})
  for (int ta : {0, 1})
    for (int tb : {0, 1}) {
      const int64_t k = m == 1 ? 37 : 21, n = m == 1 ? 301 : 35;
      Tensor a = random_tensor(ta ? Shape{k, m} : Shape{m, k}, rng), b = random_tensor(tb ? Shape{n, k} : Shape{k, n}, rng);
      Tensor c = random_tensor(Shape{n}, rng);
      auto y = run_op("Gemm", in(a, b, c), {attr_int("transA", ta), attr_int("transB", tb), testing::attr_float("alpha", 0.5f)});
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double s = 0;
          for (int64_t q = 0; q < k; ++q)
            s += double(a.as<float>()[ta ? q * m + i : i * k + q]) * b.as<float>()[tb ? j * k + q : q * n + j];
          const double want = 0.5 * s + c.as<float>()[j];
          ASSERT_NEAR(y[0].as<float>()[i * n + j], want, 1e-4 * (1 + std::abs(want))) << ta << tb;
        }
    }
}

TEST(FastSigmoid, MatchesTheDefinitionIncludingExtremes) {
  std::vector<float> v = {0.f, 1e-8f, -1e-8f, 0.5f, -3.f, 10.f, -20.f, 30.f, -87.f, 88.f, -88.5f, 100.f, -100.f, 1e30f,
                          -1e30f, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                          std::nanf("")};
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> u(-15.f, 15.f);
  for (int i = 0; i < 1000; ++i) v.push_back(u(rng));  // odd length: vector tails too
  Tensor x(DType::kF32, Shape{static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), x.as<float>());
  auto y = run_op("Sigmoid", in(x));
  for (size_t i = 0; i < v.size(); ++i) {
    const double want = 1.0 / (1.0 + std::exp(-double(v[i])));
    if (std::isnan(v[i])) {
      EXPECT_TRUE(std::isnan(y[0].as<float>()[i]));
      continue;
    }
    ASSERT_NEAR(y[0].as<float>()[i], want, 2e-7 + 4e-7 * want) << "sigmoid(" << v[i] << ")";
  }
}

TEST(FastInstanceNorm, MatchesDoubleMomentsOnOddSizesAndLargeOffsets) {
  std::mt19937 rng(5);
  for (auto [n, c, hw] : {std::array<int64_t, 3>{1, 32, 8192}, {2, 3, 17}, {1, 5, 1}, {1, 4, 1000}}) {
    Tensor x = random_tensor(Shape{n, c, hw}, rng), scale = random_tensor(Shape{c}, rng), bias = random_tensor(Shape{c}, rng);
    for (int64_t i = 0; i < x.numel(); ++i) x.as<float>()[i] = 100.f + 3.f * x.as<float>()[i];  // offset: a one-pass variance would lose it
    auto y = run_op("InstanceNormalization", in(x, scale, bias), {testing::attr_float("epsilon", 1e-5f)});
    for (int64_t r = 0; r < n * c; ++r) {
      const float* xp = x.as<float>() + r * hw;
      double mean = 0, var = 0;
      for (int64_t i = 0; i < hw; ++i) mean += xp[i];
      mean /= hw;
      for (int64_t i = 0; i < hw; ++i) var += (xp[i] - mean) * (xp[i] - mean);
      var /= hw;
      for (int64_t i = 0; i < hw; ++i) {
        const double want = (xp[i] - mean) / std::sqrt(var + 1e-5) * scale.as<float>()[r % c] + bias.as<float>()[r % c];
        ASSERT_NEAR(y[0].as<float>()[r * hw + i], want, 2e-4 * (1 + std::abs(want))) << hw << " row " << r << " at " << i;
      }
    }
  }
}

// edgewm.GroupNorm (with and without its SiLU) and edgewm.Silu against double-precision
// definitions, on group sizes off the vector width and a large offset.
TEST(FastRows, GroupNormAndSiluMatchTheDefinition) {
  std::mt19937 rng(8);
  for (const char* act : {"none", "silu"})
    for (auto [n, c, hw, groups] : {std::array<int64_t, 4>{2, 6, 35, 3}, {1, 32, 64, 8}, {1, 4, 1, 2}}) {
      Tensor x = random_tensor(Shape{n, c, hw}, rng), gamma = random_tensor(Shape{c}, rng), beta = random_tensor(Shape{c}, rng);
      for (int64_t i = 0; i < x.numel(); ++i) x.as<float>()[i] = 50.f + 2.f * x.as<float>()[i];
      const std::vector<Attribute> attrs = {attr_int("num_groups", groups), testing::attr_float("epsilon", 1e-5f),
                                            testing::attr_string("activation", act)};
      if (cpu_isa() != Isa::kScalar) {
        EXPECT_NE(selected_kernel("edgewm.GroupNorm", in(x, gamma, beta), attrs), "ref");
      }
      auto y = run_op("edgewm.GroupNorm", in(x, gamma, beta), attrs);
      const int64_t inner = c / groups * hw;
      for (int64_t g = 0; g < n * groups; ++g) {
        const float* xp = x.as<float>() + g * inner;
        double mean = 0, var = 0;
        for (int64_t i = 0; i < inner; ++i) mean += xp[i];
        mean /= inner;
        for (int64_t i = 0; i < inner; ++i) var += (xp[i] - mean) * (xp[i] - mean);
        var /= inner;
        for (int64_t i = 0; i < inner; ++i) {
          const int64_t ch = (g % groups) * (c / groups) + i / hw;
          double want = (xp[i] - mean) / std::sqrt(var + 1e-5) * gamma.as<float>()[ch] + beta.as<float>()[ch];
          if (act[0] == 's') want = want / (1 + std::exp(-want));
          ASSERT_NEAR(y[0].as<float>()[g * inner + i], want, 2e-4 * (1 + std::abs(want))) << act << " group " << g << " at " << i;
        }
      }
    }
  Tensor x = random_tensor(Shape{1003}, rng);
  for (int64_t i = 0; i < x.numel(); ++i) x.as<float>()[i] *= 30.f;
  x.as<float>()[0] = -100.f, x.as<float>()[1] = 100.f;
  if (cpu_isa() != Isa::kScalar) {
    EXPECT_NE(selected_kernel("edgewm.Silu", in(x)), "ref");
  }
  auto y = run_op("edgewm.Silu", in(x));
  for (int64_t i = 0; i < x.numel(); ++i) {
    const double v = x.as<float>()[i], want = v / (1 + std::exp(-v));
    ASSERT_NEAR(y[0].as<float>()[i], want, 1e-6 + 4e-7 * std::abs(want)) << "silu(" << v << ")";
  }
}

// edgewm.UpsampleConv against its definition (the fusion test checks it against Resize + Conv).
TEST(FastRows, UpsampleConvMatchesItsDefinition) {
  std::mt19937 rng(9);
  const int64_t n = 2, c = 9, h = 5, w = 6, m = 11;
  Tensor x = random_tensor(Shape{n, c, h, w}, rng), wp = random_tensor(Shape{4, m, c, 2, 2}, rng), b = random_tensor(Shape{m}, rng);
  if (cpu_isa() != Isa::kScalar) {
    EXPECT_NE(selected_kernel("edgewm.UpsampleConv", in(x, wp, b)), "ref");
  }
  auto y = run_op("edgewm.UpsampleConv", in(x, wp, b));
  ASSERT_EQ(y[0].shape(), (Shape{n, m, 2 * h, 2 * w}));
  for (int64_t img = 0; img < n; ++img)
    for (int64_t oc = 0; oc < m; ++oc)
      for (int64_t oy = 0; oy < 2 * h; ++oy)
        for (int64_t ox = 0; ox < 2 * w; ++ox) {
          const int64_t p = (oy % 2) * 2 + ox % 2;
          double s = b.as<float>()[oc];
          for (int64_t ic = 0; ic < c; ++ic)
            for (int64_t i = 0; i < 2; ++i)
              for (int64_t j = 0; j < 2; ++j) {
                const int64_t iy = oy / 2 + oy % 2 - 1 + i, ix = ox / 2 + ox % 2 - 1 + j;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                s += double(wp.as<float>()[(((p * m + oc) * c + ic) * 2 + i) * 2 + j]) * x.as<float>()[((img * c + ic) * h + iy) * w + ix];
              }
          ASSERT_NEAR(y[0].as<float>()[((img * m + oc) * 2 * h + oy) * 2 * w + ox], s, 1e-4 * (1 + std::abs(s)));
        }
}

// 2-D MaxPool / AveragePool (the padded-plane kernel unless scalar) against direct loops:
// strides, asymmetric pads, dilations, ceil_mode, count_include_pad, and NaN in max windows.
TEST(FastPool, MatchesDirectPoolingIncludingCeilModeAndPadding) {
  std::mt19937 rng(10);
  struct Case {
    int64_t h, w, kh, kw, sh, sw, pt, pl, pb, pr, dil, ceil, cip;
  };
  const Case cases[] = {{32, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0, 0}, {9, 11, 3, 2, 2, 3, 0, 1, 1, 0, 1, 1, 0},
                        {7, 7, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1},    {12, 10, 5, 3, 1, 1, 2, 1, 2, 1, 1, 0, 1},
                        {10, 13, 3, 3, 2, 1, 1, 1, 1, 1, 2, 1, 0},  {5, 40, 1, 4, 1, 4, 0, 0, 0, 3, 1, 1, 1}};
  for (bool max : {true, false})
    for (const auto& t : cases) {
      if (!max && t.dil != 1) continue;  // AveragePool dilations need opset 19
      Tensor x = random_tensor(Shape{2, 3, t.h, t.w}, rng);
      if (max) x.as<float>()[5 * t.w + 4] = std::nanf("");
      std::vector<Attribute> attrs = {attr_ints("kernel_shape", {t.kh, t.kw}), attr_ints("strides", {t.sh, t.sw}),
                                      attr_ints("pads", {t.pt, t.pl, t.pb, t.pr}), attr_int("ceil_mode", t.ceil)};
      if (max) attrs.push_back(attr_ints("dilations", {t.dil, t.dil}));
      else attrs.push_back(attr_int("count_include_pad", t.cip));
      const char* op = max ? "MaxPool" : "AveragePool";
      if (cpu_isa() != Isa::kScalar) {
        EXPECT_EQ(selected_kernel(op, in(x), attrs), "pool2d");
      }
      auto y = run_op(op, in(x), attrs);
      const int64_t dkh = (t.kh - 1) * t.dil + 1, dkw = (t.kw - 1) * t.dil + 1;
      auto out_size = [&](int64_t in, int64_t k, int64_t s, int64_t p0, int64_t p1) {
        const int64_t span = in + p0 + p1 - k;
        int64_t o = (t.ceil ? (span + s - 1) / s : span / s) + 1;
        if (t.ceil && (o - 1) * s >= in + p0) --o;
        return o;
      };
      const int64_t oh = out_size(t.h, dkh, t.sh, t.pt, t.pb), ow = out_size(t.w, dkw, t.sw, t.pl, t.pr);
      ASSERT_EQ(y[0].shape(), (Shape{2, 3, oh, ow}));
      for (int64_t plane = 0; plane < 6; ++plane)
        for (int64_t oy = 0; oy < oh; ++oy)
          for (int64_t ox = 0; ox < ow; ++ox) {
            double acc = 0, best = -INFINITY;
            int64_t valid = 0, padded = 0;
            bool nan = false;
            for (int64_t ky = 0; ky < t.kh; ++ky)
              for (int64_t kx = 0; kx < t.kw; ++kx) {
                const int64_t iy = oy * t.sh - t.pt + ky * t.dil, ix = ox * t.sw - t.pl + kx * t.dil;
                padded += iy < t.h + t.pb && ix < t.w + t.pr;
                if (iy < 0 || iy >= t.h || ix < 0 || ix >= t.w) continue;
                const float v = x.as<float>()[(plane * t.h + iy) * t.w + ix];
                ++valid, acc += v, nan |= std::isnan(v), best = std::max<double>(best, v);
              }
            const float got = y[0].as<float>()[(plane * oh + oy) * ow + ox];
            if (max && nan) {
              EXPECT_TRUE(std::isnan(got)) << plane << " " << oy << " " << ox;
              continue;
            }
            const double want = max ? best : acc / double(t.cip ? padded : valid);
            ASSERT_NEAR(got, want, 1e-5 * (1 + std::abs(want))) << op << " " << t.h << "x" << t.w << " at " << plane << " " << oy << " " << ox;
          }
    }
}

// Softmax rows against a double-precision softmax: lengths off the vector width, large values
// (the maximum is subtracted), rows with a NaN or an infinity (the reference's result), and the
// opset < 13 form that flattens everything from `axis`.
TEST(FastSoftmax, MatchesDoubleSoftmaxIncludingNonFiniteRows) {
  std::mt19937 rng(11);
  for (int64_t len : {1, 7, 16, 33, 256, 1000}) {
    Tensor x = random_tensor(Shape{5, len}, rng);
    for (int64_t i = 0; i < x.numel(); ++i) x.as<float>()[i] = 40.f * x.as<float>()[i] + (i % 3 == 0 ? 300.f : 0.f);
    if (len > 1) {
      x.as<float>()[1 * len + len / 2] = std::nanf("");
      x.as<float>()[2 * len] = INFINITY;
      x.as<float>()[3 * len + len - 1] = -INFINITY;
    }
    if (cpu_isa() != Isa::kScalar) {
      EXPECT_NE(selected_kernel("Softmax", in(x)), "ref");
    }
    auto y = run_op("Softmax", in(x));
    for (int64_t r = 0; r < 5; ++r) {
      const float* xr = x.as<float>() + r * len;
      double mx = -INFINITY, sum = 0;
      bool nan = false;
      for (int64_t i = 0; i < len; ++i) mx = std::max<double>(mx, xr[i]), nan |= std::isnan(xr[i]);
      for (int64_t i = 0; i < len; ++i) sum += std::exp(double(xr[i]) - mx);
      for (int64_t i = 0; i < len; ++i) {
        const float got = y[0].as<float>()[r * len + i];
        const double want = std::exp(double(xr[i]) - mx) / sum;
        if (nan || std::isnan(want)) {
          EXPECT_TRUE(std::isnan(got)) << len << " row " << r << " at " << i;
        } else {
          ASSERT_NEAR(got, want, 1e-6 + 1e-5 * want) << len << " row " << r << " at " << i;
        }
      }
    }
  }
  // Opset 11, axis 1 of [2, 3, 5]: rows of 15.
  Tensor x = random_tensor(Shape{2, 3, 5}, rng);
  auto y = run_op("Softmax", in(x), {attr_int("axis", 1)}, 1, 11);
  for (int64_t r = 0; r < 2; ++r) {
    double sum = 0;
    for (int64_t i = 0; i < 15; ++i) sum += std::exp(double(x.as<float>()[r * 15 + i]));
    for (int64_t i = 0; i < 15; ++i)
      ASSERT_NEAR(y[0].as<float>()[r * 15 + i], std::exp(double(x.as<float>()[r * 15 + i])) / sum, 1e-6);
  }
}

// edgewm.ConvAdd, FusedConv's name in models compiled by earlier versions, still runs.
TEST(FastConv, FormerConvAddNameStillRuns) {
  std::mt19937 rng(12);
  Tensor x = random_tensor(Shape{1, 16, 16, 16}, rng), w = random_tensor(Shape{16, 16, 3, 3}, rng);
  Tensor b = random_tensor(Shape{16}, rng), z = random_tensor(Shape{1, 16, 16, 16}, rng);
  const std::vector<Attribute> attrs = {attr_ints("pads", {1, 1, 1, 1})};
  auto old_name = run_op("edgewm.ConvAdd", in(x, w, b, z), attrs);
  auto y = run_op("edgewm.FusedConv", in(x, w, b, z), attrs);
  ASSERT_EQ(old_name[0].numel(), y[0].numel());
  for (int64_t i = 0; i < y[0].numel(); ++i) ASSERT_EQ(old_name[0].as<float>()[i], y[0].as<float>()[i]);
  Shape s;
  auto want = direct_conv(x, w, &b, 1, 1, 1, 1, s);
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_NEAR(y[0].as<float>()[i], want[i] + z.as<float>()[i], 1e-4 * (1 + std::abs(want[i])));
}

}  // namespace
}  // namespace edgewm
