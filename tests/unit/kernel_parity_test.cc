// Every registered kernel of an op, on every ISA this CPU has, against the op's reference
// kernel, in one process (Highway's way: no rerun per EDGEWM_ISA needed to reach a lower ISA's
// code). Each case is one node; each kernel that supports it runs through `prepare` as in a
// session. The reference kernels are the naive oracle (kernels/ref/); the cases cover odd
// sizes, tails off the vector widths, pads, strides, groups and every fused epilogue.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <ostream>
#include <random>
#include <set>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/quant/qlinear.h"
#include "kernels/x86/qgemm_tile_x86.h"
#include "op_test_util.h"
#include "qgemm_model_ops.h"

namespace edgewm {
namespace {

using testing::attr_float;
using testing::attr_int;
using testing::attr_ints;
using testing::attr_string;
using testing::in;
using testing::run_op_kernel;
using testing::run_op_kernel_def;
using testing::supported_kernels;

struct Case {
  std::string name, op;
  std::vector<Tensor> inputs;
  std::vector<Attribute> attrs;
  float tol = 1e-4f;  // relative to 1 + |reference|
  int opset = 17;
  bool fast = true;  // some kernel besides the reference takes it (where the CPU has SIMD)
  // Integer outputs of float math inside (edgewm.GroupNorm quantised): a step apart allowed where
  // the float result lands within rounding of a .5, on at most 1% of them; else bit for bit.
  int int_tol = 0;
};

Tensor f32s(const Shape& s, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  Tensor t(DType::kF32, s);
  for (int64_t i = 0; i < t.numel(); ++i) t.as<float>()[i] = u(rng);
  return t;
}
Tensor random(const Shape& s, uint32_t seed, float scale = 1.f) { return f32s(s, seed, -scale, scale); }

std::vector<Case> conv_cases() {
  std::vector<Case> cases;
  uint32_t seed = 100;
  struct Geo {
    int64_t n, c, h, w, m, k, stride, pad, dilation, group;
  };
  // 3x3 'same' wide enough for Winograd; 1x1; stride 2; depthwise; dilation; grouped; 5x5;
  // channel counts off every vector width; batch 2.
  const Geo geos[] = {{1, 32, 16, 16, 32, 3, 1, 1, 1, 1}, {2, 17, 9, 13, 19, 3, 1, 1, 1, 1},
                      {1, 24, 8, 8, 40, 1, 1, 0, 1, 1},   {1, 16, 15, 15, 24, 3, 2, 1, 1, 1},
                      {1, 16, 14, 14, 16, 3, 1, 1, 1, 16}, {1, 24, 13, 11, 24, 3, 2, 1, 1, 24},
                      {1, 8, 12, 12, 8, 3, 1, 2, 2, 1},   {1, 12, 10, 10, 18, 3, 1, 1, 1, 3},
                      {1, 3, 11, 11, 5, 5, 1, 2, 1, 1}};
  for (const Geo& g : geos) {
    const std::vector<Attribute> attrs = {attr_ints("strides", {g.stride, g.stride}),
                                          attr_ints("pads", {g.pad, g.pad, g.pad, g.pad}),
                                          attr_ints("dilations", {g.dilation, g.dilation}), attr_int("group", g.group)};
    const std::string name = "c" + std::to_string(g.c) + "_m" + std::to_string(g.m) + "_k" + std::to_string(g.k) + "_s" +
                             std::to_string(g.stride) + "_d" + std::to_string(g.dilation) + "_g" + std::to_string(g.group) +
                             "_" + std::to_string(g.h) + "x" + std::to_string(g.w);
    Tensor x = random(Shape{g.n, g.c, g.h, g.w}, seed++), w = random(Shape{g.m, g.c / g.group, g.k, g.k}, seed++, 0.3f),
           b = random(Shape{g.m}, seed++);
    cases.push_back({"Conv_" + name, "Conv", in(x, w, b), attrs});
    cases.push_back({"ConvNoBias_" + name, "Conv", in(x, w), attrs});
    // FusedConv: every activation, with a per-channel addend and with a full one.
    const int64_t oh = (g.h + 2 * g.pad - g.dilation * (g.k - 1) - 1) / g.stride + 1;
    const int64_t ow = (g.w + 2 * g.pad - g.dilation * (g.k - 1) - 1) / g.stride + 1;
    Tensor full = random(Shape{g.n, g.m, oh, ow}, seed++), per_channel = random(Shape{1, g.m, 1, 1}, seed++);
    for (const char* act : {"relu", "clip", "hardswish", "hardsigmoid", "leaky_relu", "sigmoid", "silu"}) {
      std::vector<Attribute> a = attrs;
      a.push_back(attr_string("activation", act));
      a.push_back(attr_float("activation_min", -0.5f));
      a.push_back(attr_float("activation_max", 0.75f));
      a.push_back(attr_float("activation_alpha", 0.2f));
      a.push_back(attr_float("activation_beta", 0.5f));
      cases.push_back({"FusedConv_" + std::string(act) + "_" + name, "edgewm.FusedConv", in(x, w, b, full), a});
      cases.push_back({"FusedConvPerChannel_" + std::string(act) + "_" + name, "edgewm.FusedConv",
                       in(x, w, b, per_channel), a});
    }
  }
  // 1-D and 3-D convolutions (the generic im2col path).
  cases.push_back({"Conv1d", "Conv", in(random(Shape{2, 5, 23}, seed++), random(Shape{7, 5, 3}, seed++)),
                   {attr_ints("pads", {1, 1}), attr_ints("strides", {2})}});
  cases.push_back({"Conv3d", "Conv", in(random(Shape{1, 3, 5, 6, 7}, seed++), random(Shape{4, 3, 3, 3, 3}, seed++)),
                   {attr_ints("pads", {1, 1, 1, 1, 1, 1})}});
  // ConvTranspose (a gather in the reference, GEMM + col2im scatter in the fast kernels):
  // strides, pads, output_padding, dilation, groups, 1-D and 3-D.
  struct TGeo {
    std::string name;
    Shape x, w;
    std::vector<Attribute> attrs;
    int64_t group = 1;
  };
  const TGeo tgeos[] = {
      {"s2", Shape{1, 16, 8, 8}, Shape{16, 8, 4, 4}, {attr_ints("strides", {2, 2}), attr_ints("pads", {1, 1, 1, 1})}},
      {"s2_outpad", Shape{2, 5, 7, 6}, Shape{5, 3, 3, 3},
       {attr_ints("strides", {2, 2}), attr_ints("pads", {1, 0, 1, 0}), attr_ints("output_padding", {1, 1})}},
      {"dilated_group", Shape{1, 6, 5, 5}, Shape{6, 2, 3, 3},
       {attr_ints("dilations", {2, 2}), attr_int("group", 3), attr_ints("strides", {1, 2})},
       3},
      {"same_upper", Shape{1, 4, 9, 7}, Shape{4, 5, 3, 3},
       {attr_ints("strides", {2, 2}), attr_string("auto_pad", "SAME_UPPER")}},
      {"1d", Shape{2, 3, 11}, Shape{3, 4, 5}, {attr_ints("strides", {3}), attr_ints("pads", {2, 1})}},
      {"3d", Shape{1, 2, 3, 4, 5}, Shape{2, 3, 2, 3, 2}, {attr_ints("strides", {2, 1, 2})}},
  };
  for (const TGeo& t : tgeos) {
    Tensor x = random(t.x, seed++), w = random(t.w, seed++, 0.3f), b = random(Shape{t.w[1] * t.group}, seed++);
    cases.push_back({"ConvTranspose_" + t.name, "ConvTranspose", in(x, w, b), t.attrs});
    cases.push_back({"ConvTransposeNoBias_" + t.name, "ConvTranspose", in(x, w), t.attrs});
  }
  // edgewm.UpsampleConv: four 2x2 phase kernels.
  cases.push_back({"UpsampleConv", "edgewm.UpsampleConv",
                   in(random(Shape{2, 9, 5, 6}, seed++), random(Shape{4, 11, 9, 2, 2}, seed++), random(Shape{11}, seed++))});
  cases.push_back({"UpsampleConvWide", "edgewm.UpsampleConv",
                   in(random(Shape{1, 32, 16, 16}, seed++), random(Shape{4, 32, 32, 2, 2}, seed++, 0.3f),
                      random(Shape{32}, seed++))});
  return cases;
}

std::vector<Case> gemm_cases() {
  std::vector<Case> cases;
  uint32_t seed = 300;
  for (auto [m, k, n] : {std::array<int64_t, 3>{1, 37, 53}, {7, 64, 65}, {33, 17, 130}, {64, 256, 64}}) {
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        Tensor a = random(ta ? Shape{k, m} : Shape{m, k}, seed++), b = random(tb ? Shape{n, k} : Shape{k, n}, seed++),
               c = random(Shape{n}, seed++);
        cases.push_back({"Gemm_" + std::to_string(m) + "x" + std::to_string(k) + "x" + std::to_string(n) + "_t" +
                             std::to_string(ta) + std::to_string(tb),
                         "Gemm", in(a, b, c),
                         {attr_int("transA", ta), attr_int("transB", tb), attr_float("alpha", 0.5f), attr_float("beta", 2.f)}});
      }
    cases.push_back({"MatMul_" + std::to_string(m) + "x" + std::to_string(k) + "x" + std::to_string(n), "MatMul",
                     in(random(Shape{3, m, k}, seed++), random(Shape{k, n}, seed++))});
  }
  cases.push_back({"MatMulBroadcast", "MatMul", in(random(Shape{2, 1, 5, 9}, seed++), random(Shape{3, 9, 4}, seed++))});
  cases.push_back({"MatMulVector", "MatMul", in(random(Shape{19}, seed++), random(Shape{19, 21}, seed++))});
  cases.push_back({"EinsumBatched", "Einsum", in(random(Shape{2, 9, 17}, seed++), random(Shape{2, 17, 33}, seed++)),
                   {attr_string("equation", "bij,bjk->bik")}, 1e-4f, 12});
  cases.push_back({"EinsumTransposedB", "Einsum", in(random(Shape{20, 31}, seed++), random(Shape{18, 31}, seed++)),
                   {attr_string("equation", "ij,kj->ik")}, 1e-4f, 12});
  // Attention's two contractions, and one the GEMM does not take (the loop kernel only).
  cases.push_back({"EinsumScores", "Einsum", in(random(Shape{2, 3, 10, 8}, seed++), random(Shape{2, 3, 12, 8}, seed++)),
                   {attr_string("equation", "bhid,bhjd->bhij")}, 1e-4f, 12});
  cases.push_back({"EinsumValues", "Einsum", in(random(Shape{2, 3, 10, 12}, seed++), random(Shape{2, 3, 12, 8}, seed++)),
                   {attr_string("equation", "bhij,bhjd->bhid")}, 1e-4f, 12});
  cases.push_back({"EinsumThreeOperands", "Einsum",
                   in(random(Shape{4, 5}, seed++), random(Shape{5, 6}, seed++), random(Shape{6, 3}, seed++)),
                   {attr_string("equation", "ij,jk,kl->il")}, 1e-4f, 12, false});
  return cases;
}

std::vector<Case> row_cases() {
  std::vector<Case> cases;
  uint32_t seed = 500;
  cases.push_back({"Sigmoid", "Sigmoid", in(random(Shape{1003}, seed++, 30.f))});
  cases.push_back({"Silu", "edgewm.Silu", in(random(Shape{2, 517}, seed++, 30.f))});
  cases.push_back({"SoftmaxLast", "Softmax", in(random(Shape{3, 7, 37}, seed++, 10.f))});
  // Rows not contiguous (opset 13's Softmax on axis 1): the reference only.
  cases.push_back({"SoftmaxAxis1", "Softmax", in(random(Shape{2, 19, 5}, seed++, 10.f)), {attr_int("axis", 1)}, 1e-4f,
                   17, false});
  cases.push_back({"InstanceNorm", "InstanceNormalization",
                   in(random(Shape{2, 6, 35}, seed++, 4.f), random(Shape{6}, seed++), random(Shape{6}, seed++)),
                   {attr_float("epsilon", 1e-5f)}});
  for (const char* act : {"none", "silu"})
    cases.push_back({"GroupNorm_" + std::string(act), "edgewm.GroupNorm",
                     in(random(Shape{2, 12, 33}, seed++, 4.f), random(Shape{12}, seed++), random(Shape{12}, seed++)),
                     {attr_int("num_groups", 4), attr_float("epsilon", 1e-5f), attr_string("activation", act)}, 2e-4f});
  for (const char* op : {"MaxPool", "AveragePool"})
    for (auto [k, s, p] : {std::array<int64_t, 3>{3, 2, 1}, {2, 2, 0}, {3, 1, 1}})
      cases.push_back({std::string(op) + "_k" + std::to_string(k) + "s" + std::to_string(s) + "p" + std::to_string(p), op,
                       in(random(Shape{1, 5, 17, 14}, seed++)),
                       {attr_ints("kernel_shape", {k, k}), attr_ints("strides", {s, s}), attr_ints("pads", {p, p, p, p})}});
  return cases;
}

// Integer tensors: uniform in [lo, hi], or all one value (the saturation extremes).
template <class T> Tensor ints(DType t, const Shape& s, uint32_t seed, int lo, int hi) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> u(lo, hi);
  Tensor x(t, s);
  for (int64_t i = 0; i < x.numel(); ++i) static_cast<T*>(x.data())[i] = static_cast<T>(u(rng));
  return x;
}
Tensor u8s(const Shape& s, uint32_t seed, int lo = 0, int hi = 255) { return ints<uint8_t>(DType::kU8, s, seed, lo, hi); }
Tensor s8s(const Shape& s, uint32_t seed, int lo = -128, int hi = 127) { return ints<int8_t>(DType::kI8, s, seed, lo, hi); }
Tensor u8v(uint8_t v) { return ints<uint8_t>(DType::kU8, Shape{}, 0, v, v); }
Tensor s8v(int8_t v) { return ints<int8_t>(DType::kI8, Shape{}, 0, v, v); }
Tensor f32v(float v) { return testing::make_f32(Shape{}, {v}); }

// QLinearConv and QLinearMatMul, compared bit for bit: weights within 7 bits (the byte
// micro-kernels), full-range (the 16-bit ones), u8 weights around 128, s8 activations, s8 and
// u8 outputs, per-channel scales, K off every group size, and the saturation extremes (all-255
// activations against +127/-128 weights, and against the pair-safe bound of +-64).
std::vector<Case> quant_cases() {
  std::vector<Case> cases;
  uint32_t seed = 700;
  struct Geo {
    int64_t n, c, h, w, m, k, stride, pad, dilation, group;
  };
  const Geo geos[] = {{1, 32, 16, 16, 32, 3, 1, 1, 1, 1}, {2, 17, 9, 13, 19, 3, 1, 1, 1, 1}, {1, 24, 8, 8, 40, 1, 1, 0, 1, 1},
                      {1, 16, 15, 15, 24, 3, 2, 1, 1, 1}, {1, 16, 14, 14, 16, 3, 1, 1, 1, 16}, {1, 8, 12, 12, 8, 3, 1, 2, 2, 1},
                      {1, 12, 10, 10, 18, 3, 1, 1, 1, 3}, {1, 3, 11, 11, 5, 5, 1, 2, 1, 1}, {1, 130, 6, 6, 9, 3, 1, 1, 1, 1},
                      // more output channels than one row block: the panels packed once, shared
                      {1, 20, 6, 6, 200, 3, 1, 1, 1, 1}, {1, 64, 5, 5, 160, 3, 1, 1, 1, 1}, {2, 9, 5, 7, 260, 1, 1, 0, 1, 1},
                      // Winograd: full 16-tile panels and tails, odd sizes, an odd channel count;
                      // 8 and 4 tiles a row (2 or 4 tile rows per vector), and 7 (lane by lane)
                      {1, 16, 34, 34, 16, 3, 1, 1, 1, 1}, {1, 19, 17, 15, 20, 3, 1, 1, 1, 1}, {2, 18, 8, 8, 20, 3, 1, 1, 1, 1},
                      {1, 16, 7, 16, 17, 3, 1, 1, 1, 1}, {1, 16, 14, 13, 16, 3, 1, 1, 1, 1},
                      // F(4x4): 16 tiles a row and a tail (tw 17), 5 a row (lane by lane), 2 images
                      {1, 16, 66, 66, 16, 3, 1, 1, 1, 1}, {2, 17, 18, 20, 18, 3, 1, 1, 1, 1},
                      // fewer output channels than a micro-kernel's rows (a UNet's conv_out)
                      {1, 16, 16, 16, 3, 3, 1, 1, 1, 1}, {1, 20, 8, 8, 2, 3, 1, 1, 1, 1},
                      // depthwise (the direct kernel): stride 2 on odd sizes, 5x5 over 2 images, dilation 2
                      {1, 24, 15, 13, 24, 3, 2, 1, 1, 24}, {2, 8, 9, 9, 8, 5, 1, 2, 1, 8}, {1, 8, 12, 12, 8, 3, 1, 2, 2, 8}};
  for (const Geo& g : geos) {
    const std::vector<Attribute> attrs = {attr_ints("strides", {g.stride, g.stride}), attr_ints("pads", {g.pad, g.pad, g.pad, g.pad}),
                                          attr_ints("dilations", {g.dilation, g.dilation}), attr_int("group", g.group)};
    const std::string name = "c" + std::to_string(g.c) + "_m" + std::to_string(g.m) + "_k" + std::to_string(g.k) + "_s" +
                             std::to_string(g.stride) + "_g" + std::to_string(g.group) + "_" + std::to_string(g.h) + "x" +
                             std::to_string(g.w);
    const Shape xs{g.n, g.c, g.h, g.w}, ws{g.m, g.c / g.group, g.k, g.k};
    const int64_t K = ws[1] * g.k * g.k;
    const float ysc = 0.02f * 0.01f * std::sqrt(static_cast<float>(K)) * 40.f;
    Tensor wscale = f32s(Shape{g.m}, seed++, 0.005f, 0.015f);
    Tensor bias = ints<int32_t>(DType::kI32, Shape{g.m}, seed++, -3000, 3000);
    auto add = [&](const std::string& what, Tensor x, Tensor xz, Tensor w, Tensor wz, Tensor yz) {
      cases.push_back({"QLinearConv_" + what + "_" + name, "QLinearConv",
                       in(std::move(x), f32v(0.02f), std::move(xz), std::move(w), Tensor::copy_of(wscale.view()), std::move(wz),
                          f32v(ysc), std::move(yz), Tensor::copy_of(bias.view())),
                       attrs});
    };
    add("w7bit", u8s(xs, seed++), u8v(117), s8s(ws, seed++, -64, 63), s8v(0), u8v(128));
    add("w8bit", u8s(xs, seed++), u8v(3), s8s(ws, seed++), s8v(0), s8v(-5));
    add("s8x", s8s(xs, seed++), s8v(-20), s8s(ws, seed++, -60, 60), s8v(0), u8v(90));
    add("u8w", u8s(xs, seed++), u8v(0), u8s(ws, seed++), u8v(128), u8v(128));
  }
  // edgewm.QLinearConv (a float epilogue: residual and/or activation, fuse-qdq's for PT2E and
  // NNCF): 1x1 (im2col), 3x3 on 8x8 and 16x16 (quads, Winograd), depthwise; bit for bit (the
  // fast kernels run the reference's float steps on the ISA's Q/DQ rows).
  {
    struct Fused {
      int64_t c, hw, m, k, group;
      const char* act;
      bool residual;
    };
    for (const Fused& f : {Fused{24, 8, 40, 1, 1, "hardswish", true}, Fused{16, 8, 24, 3, 1, "sigmoid", false},
                           Fused{16, 16, 16, 3, 1, "relu", true}, Fused{16, 18, 16, 3, 1, "none", true},
                           Fused{12, 9, 12, 3, 12, "hardswish", false}, Fused{8, 7, 8, 3, 8, "leaky_relu", true}}) {
      const Shape xs{1, f.c, f.hw, f.hw}, ws{f.m, f.c / f.group, f.k, f.k}, ys{1, f.m, f.hw, f.hw};
      std::vector<Attribute> attrs = {attr_ints("pads", {f.k / 2, f.k / 2, f.k / 2, f.k / 2}), attr_int("group", f.group),
                                      attr_string("activation", f.act), attr_float("activation_alpha", 0.1f)};
      std::vector<Tensor> ins = in(u8s(xs, seed++), f32v(0.02f), u8v(120), s8s(ws, seed++), f32s(Shape{f.m}, seed++, 0.005f, 0.015f),
                                   s8v(0), f32v(0.03f), u8v(100), ints<int32_t>(DType::kI32, Shape{f.m}, seed++, -3000, 3000));
      if (f.residual) {
        ins.push_back(s8s(ys, seed++));
        ins.push_back(f32v(0.04f));
        ins.push_back(s8v(3));
      }
      cases.push_back({std::string("QLinearConvFused_") + f.act + (f.residual ? "_residual_" : "_") + std::to_string(f.k) + "x" +
                           std::to_string(f.k) + "_g" + std::to_string(f.group) + "_" + std::to_string(f.hw),
                       "edgewm.QLinearConv", std::move(ins), attrs, 0.f, 1});
    }
  }
  // Asymmetric padding and an even kernel (the quad images' padded rows and columns differ per
  // side), 6 channels (a partial channel quad), 7-wide rows (no fixed-size run).
  {
    const Shape xa{2, 6, 7, 7}, wa{5, 6, 2, 3};
    const std::vector<Attribute> attrs = {attr_ints("pads", {0, 2, 1, 0})};
    for (bool w8 : {false, true})
      cases.push_back({std::string("QLinearConv_asymmetric_pads_") + (w8 ? "w8bit" : "w7bit"), "QLinearConv",
                       in(u8s(xa, seed++), f32v(0.02f), u8v(9), w8 ? s8s(wa, seed++) : s8s(wa, seed++, -64, 63),
                          f32s(Shape{5}, seed++, 0.005f, 0.015f), s8v(0), f32v(0.05f), u8v(120),
                          ints<int32_t>(DType::kI32, Shape{5}, seed++, -3000, 3000)),
                       attrs});
  }
  // 7x7 (im2col), 16x16 with 16 channels (Winograd F(4x4): 9 * 16 * 128 * 255 is within its bound).
  Shape xs{1, 16, 7, 7}, ws{8, 16, 3, 3};
  const std::vector<Attribute> pads = {attr_ints("pads", {1, 1, 1, 1})};
  auto extreme = [&](const std::string& what, Tensor w, float ysc) {  // s8 out: zero point -128 for positive sums
    const bool neg = static_cast<const int8_t*>(w.data())[0] < 0;
    cases.push_back({"QLinearConv_extreme_" + what + "_" + std::to_string(xs[2]), "QLinearConv",
                     in(u8s(xs, 0, 255, 255), f32v(1.f), u8v(0), w, f32v(1.f), s8v(0), f32v(ysc), neg ? s8v(0) : s8v(-128)), pads});
  };
  for (int64_t hw : {7, 16}) {
    xs = Shape{1, 16, hw, hw}, ws = Shape{hw == 7 ? 8 : 16, 16, 3, 3};
    for (int v : {127, -128, 64, -64}) {
      // 255 * 144 * v lands near 240 (unsaturated output: an error inside would show).
      extreme(std::to_string(v) + "_exact", s8s(ws, 0, v, v), 255.f * 144.f * static_cast<float>(std::abs(v)) / 240.f);
      extreme(std::to_string(v) + "_saturated", s8s(ws, 0, v, v), 1.f);
    }
  }
  xs = Shape{1, 16, 7, 7}, ws = Shape{8, 16, 3, 3};
  // F(4x4) at its bound's edge: 115 channels of +127 weights on all-255 input sum to
  // 9 * 115 * 127 * 255 = 33,519,825, just under 2^25 (output zero point -128, scale to land near 0).
  {
    const Shape xe{1, 115, 16, 16}, we{16, 115, 3, 3};
    cases.push_back({"QLinearConv_f43_bound_edge", "QLinearConv",
                     in(u8s(xe, 0, 255, 255), f32v(1.f), u8v(0), s8s(we, 0, 127, 127), f32v(1.f), s8v(0),
                        f32v(250.f / 33519825.f), s8v(-128)),
                     pads});
  }
  // Pairs just past the pair-safe bound (65 + 64 = 129: 255 * 129 overflows 16 bits) must not
  // take the byte kernels.
  for (int sign : {1, -1}) {
    Tensor w(DType::kI8, ws);
    for (int64_t i = 0; i < w.numel(); ++i) static_cast<int8_t*>(w.data())[i] = static_cast<int8_t>(sign * (i % 2 ? 64 : 65));
    extreme(sign > 0 ? "pair129" : "pair-129", std::move(w), 255.f * 144.f * 64.5f / 240.f);
  }
  // MatMul: constant 2-D B (packed once), 3-D B (packed per call, activation x activation).
  for (auto [m, k, n] : {std::array<int64_t, 3>{1, 37, 53}, {7, 64, 65}, {33, 17, 130}, {64, 256, 64}, {5, 600, 20}, {150, 40, 24},
                               // more rows than one C tile holds, over several K blocks (mc rounded to mr)
                               {200, 600, 24}}) {
    const std::string name = std::to_string(m) + "x" + std::to_string(k) + "x" + std::to_string(n);
    const float ysc = 0.02f * 0.01f * std::sqrt(static_cast<float>(k)) * 40.f;
    Tensor bscale = f32s(Shape{n}, seed++, 0.005f, 0.015f);
    auto add = [&](const std::string& what, Tensor a, Tensor az, Tensor b, Tensor bs, Tensor bz, Tensor yz) {
      cases.push_back({"QLinearMatMul_" + what + "_" + name, "QLinearMatMul", in(std::move(a), f32v(0.02f), std::move(az), std::move(b),
                                                                          std::move(bs), std::move(bz), f32v(ysc), std::move(yz))});
    };
    add("w7bit", u8s(Shape{3, m, k}, seed++), u8v(130), s8s(Shape{k, n}, seed++, -64, 64), Tensor::copy_of(bscale.view()), s8v(0), u8v(128));
    add("w8bit", u8s(Shape{2, m, k}, seed++), u8v(7), s8s(Shape{k, n}, seed++), Tensor::copy_of(bscale.view()), s8v(0), s8v(3));
    add("s8a", s8s(Shape{m, k}, seed++), s8v(-7), s8s(Shape{k, n}, seed++, -50, 50), f32v(0.01f), s8v(0), u8v(100));
    add("u8w", u8s(Shape{m, k}, seed++), u8v(0), u8s(Shape{k, n}, seed++), Tensor::copy_of(bscale.view()), u8v(128), u8v(128));
    add("actxact", u8s(Shape{2, m, k}, seed++), u8v(128), u8s(Shape{2, k, n}, seed++), f32v(0.01f), u8v(131), u8v(128));
  }
  // edgewm.QGemm (DQ -> Gemm -> Q fused): B transposed or not, C or none, M = 1 (a time
  // embedding's Linear) and more rows, 7- and 8-bit weights.
  for (auto [m, k, n, tb] : {std::array<int64_t, 4>{1, 256, 64, 1}, {5, 37, 130, 0}, {1, 33, 17, 0}, {20, 64, 48, 1}}) {
    const std::string name = std::to_string(m) + "x" + std::to_string(k) + "x" + std::to_string(n) + (tb ? "_tb" : "");
    const float ysc = 0.02f * 0.01f * std::sqrt(static_cast<float>(k)) * 40.f;
    const Shape bs = tb ? Shape{n, k} : Shape{k, n};
    for (int bits : {7, 8}) {
      const int lo = bits == 7 ? -64 : -128, hi = bits == 7 ? 63 : 127;
      Tensor c = ints<int32_t>(DType::kI32, Shape{n}, seed++, -3000, 3000);
      cases.push_back({"QGemm_w" + std::to_string(bits) + "_" + name, "edgewm.QGemm",
                       in(u8s(Shape{m, k}, seed++), f32v(0.02f), u8v(125), s8s(bs, seed++, lo, hi),
                          f32s(Shape{n}, seed++, 0.005f, 0.015f), s8v(0), bits == 8 ? Tensor() : std::move(c), f32v(ysc),
                          u8v(128)),
                       {attr_int("transB", tb)}, 0.f, 1});
    }
  }
  // edgewm.QLinearAdd / QLinearMul (fuse-qdq-binary): same shapes over several of the kernels'
  // blocks and a tail, u8 and s8 mixed, a single-valued side, outputs that saturate (scale
  // 0.004 on sums up to ~10), and a broadcast one that only the reference takes.
  for (const char* op : {"edgewm.QLinearAdd", "edgewm.QLinearMul"}) {
    const std::string o = op;
    const Shape s{2, 5, 31, 9};
    auto add = [&](const std::string& what, Tensor a, Tensor az, Tensor b, Tensor bz, float cs, Tensor cz, bool fast = true) {
      cases.push_back({o.substr(7) + "_" + what, op,
                       in(std::move(a), f32v(0.03f), std::move(az), std::move(b), f32v(0.045f), std::move(bz), f32v(cs), std::move(cz)),
                       {}, 0.f, 1, fast});
    };
    add("u8_u8_u8", u8s(s, seed++), u8v(128), u8s(s, seed++), u8v(100), 0.05f, u8v(128));
    add("s8_u8_s8", s8s(s, seed++), s8v(-3), u8s(s, seed++), u8v(7), 0.04f, s8v(5));
    add("scalar_side", u8s(s, seed++), u8v(120), s8s(Shape{1}, seed++), s8v(0), 0.05f, u8v(128));
    add("saturating", u8s(s, seed++), u8v(0), u8s(s, seed++), u8v(0), 0.004f, s8v(0));
    add("broadcast_channels", u8s(s, seed++), u8v(128), u8s(Shape{1, 5, 1, 1}, seed++), u8v(128), 0.05f, u8v(128), false);
  }
  // edgewm.GroupNorm with 8-bit input and/or output (fuse-qdq-norm): u8 in, s8 out, f32 in.
  {
    const std::vector<Attribute> gn = {attr_int("num_groups", 4), attr_float("epsilon", 1e-5f), attr_string("activation", "silu")};
    Tensor scale = f32s(Shape{16}, seed++, 0.5f, 1.5f), bias = f32s(Shape{16}, seed++, -0.5f, 0.5f);
    auto gn_case = [&](const std::string& what, Tensor x, Tensor xs, Tensor xz, Tensor ys, Tensor yz) {
      cases.push_back({"GroupNorm_" + what, "edgewm.GroupNorm",
                       in(std::move(x), Tensor::copy_of(scale.view()), Tensor::copy_of(bias.view()), std::move(xs), std::move(xz),
                          std::move(ys), std::move(yz)),
                       gn, 1e-4f, 1, true, 1});
    };
    gn_case("u8_in_s8_out", u8s(Shape{2, 16, 9, 7}, seed++), f32v(0.05f), u8v(120), f32v(0.02f), s8v(-20));
    gn_case("s8_in_f32_out", s8s(Shape{1, 16, 5, 5}, seed++), f32v(0.03f), s8v(3), Tensor(), Tensor());
    gn_case("f32_in_u8_out", f32s(Shape{1, 16, 33, 3}, seed++, -4.f, 4.f), Tensor(), Tensor(), f32v(0.015f), u8v(40));
    // x_add (input 7): a per-(n, c) value added first (fuse-qdq-norm's time embedding), with an
    // 8-bit input over 2 images, and with a float one and a float output.
    auto gn_add = [&](const std::string& what, Tensor x, Tensor xs, Tensor xz, Tensor ys, Tensor yz, Tensor t) {
      cases.push_back({"GroupNorm_x_add_" + what, "edgewm.GroupNorm",
                       in(std::move(x), Tensor::copy_of(scale.view()), Tensor::copy_of(bias.view()), std::move(xs), std::move(xz),
                          std::move(ys), std::move(yz), std::move(t)),
                       gn, 1e-4f, 1, true, 1});
    };
    gn_add("u8_in_u8_out", u8s(Shape{2, 16, 9, 7}, seed++), f32v(0.05f), u8v(120), f32v(0.02f), u8v(128),
           f32s(Shape{2, 16, 1, 1}, seed++, -2.f, 2.f));
    gn_add("f32_in_f32_out", f32s(Shape{1, 16, 5, 6}, seed++, -3.f, 3.f), Tensor(), Tensor(), Tensor(), Tensor(),
           f32s(Shape{1, 16, 1, 1}, seed++, -2.f, 2.f));
  }
  // MaxPool on the 8-bit values (what fold-qdq-movement leaves): pads (the type's lowest
  // value), strides, dilations, ceil_mode, u8 and s8.
  cases.push_back({"MaxPool_u8_k3s2p1", "MaxPool", in(u8s(Shape{1, 6, 17, 14}, seed++)),
                   {attr_ints("kernel_shape", {3, 3}), attr_ints("strides", {2, 2}), attr_ints("pads", {1, 1, 1, 1})}});
  cases.push_back({"MaxPool_s8_k2_dil2_ceil", "MaxPool", in(s8s(Shape{2, 3, 11, 9}, seed++)),
                   {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2}), attr_ints("dilations", {2, 2}),
                    attr_int("ceil_mode", 1)}});
  cases.push_back({"MaxPool_s8_all_lowest_padded", "MaxPool", in(s8s(Shape{1, 2, 5, 5}, 0, -128, -128)),
                   {attr_ints("kernel_shape", {3, 3}), attr_ints("pads", {1, 1, 1, 1})}});
  // K = 0: an empty sum, the output is the zero point (plus the bias for Conv).
  cases.push_back({"QLinearMatMul_k0", "QLinearMatMul",
                   in(u8s(Shape{3, 0}, 0), f32v(1.f), u8v(0), s8s(Shape{0, 5}, 0), f32v(1.f), s8v(0), f32v(1.f), u8v(7))});
  cases.push_back({"QLinearMatMul_extreme", "QLinearMatMul",
                   in(u8s(Shape{4, 64}, 0, 255, 255), f32v(1.f), u8v(0), s8s(Shape{64, 32}, 0, -128, -128), f32v(1.f), s8v(0),
                      f32v(1.f), s8v(0))});
  return cases;
}

struct Table {
  const char* name;
  std::vector<Case> (*cases)();
};
void PrintTo(const Table& t, std::ostream* os) { *os << t.name; }

// Resize by whole factors with nearest sampling (the fast twin takes asymmetric + floor and
// half_pixel + round_prefer_*), f32 and 8-bit; and rules it must leave to the reference.
std::vector<Case> resize_cases() {
  std::vector<Case> cases;
  auto scales = [](std::vector<float> v) { return testing::make_f32(Shape{static_cast<int64_t>(v.size())}, v); };
  auto modes = [](const char* ct, const char* nm) {
    return std::vector<Attribute>{attr_string("mode", "nearest"), attr_string("coordinate_transformation_mode", ct),
                                  attr_string("nearest_mode", nm)};
  };
  const Tensor none;
  cases.push_back({"f32_2x_asymmetric_floor", "Resize", in(random(Shape{1, 3, 5, 7}, 901), none, scales({1, 1, 2, 2})),
                   modes("asymmetric", "floor"), 0.f, 13});
  cases.push_back({"f32_3x2_half_pixel", "Resize", in(random(Shape{2, 2, 4, 3}, 902), none, scales({1, 1, 3, 2})),
                   modes("half_pixel", "round_prefer_ceil"), 0.f, 13});
  cases.push_back({"u8_3x_default_modes", "Resize", in(u8s(Shape{1, 4, 3, 5}, 903), none, scales({1, 1, 3, 3})),
                   {attr_string("mode", "nearest")}, 0.f, 13});
  cases.push_back({"s8_rank3_last_axis", "Resize", in(s8s(Shape{2, 5, 6}, 904), none, scales({1, 1, 2})),
                   modes("asymmetric", "floor"), 0.f, 13});
  // Not the floor rule (asymmetric rounds 2/3 up), a channel factor, sizes given: reference only.
  cases.push_back({"f32_asymmetric_round", "Resize", in(random(Shape{1, 2, 3, 3}, 905), none, scales({1, 1, 3, 3})),
                   modes("asymmetric", "round_prefer_floor"), 0.f, 13, false});
  cases.push_back({"f32_channel_factor", "Resize", in(random(Shape{1, 2, 3, 3}, 906), none, scales({1, 2, 2, 2})),
                   modes("asymmetric", "floor"), 0.f, 13, false});
  cases.push_back({"f32_sizes", "Resize", in(random(Shape{1, 2, 3, 3}, 907), none, none, testing::make_i64(Shape{4}, {1, 2, 6, 6})),
                   modes("asymmetric", "floor"), 0.f, 13, false});
  return cases;
}

class KernelParity : public ::testing::TestWithParam<Table> {};

// Counts what ran, so a table that matched no fast kernel at all fails instead of passing empty.
TEST_P(KernelParity, EveryKernelMatchesTheReference) {
  int compared = 0;
  for (const Case& c : GetParam().cases()) {
    const std::vector<std::string> kernels = supported_kernels(c.op, c.inputs, c.attrs, c.opset);
    ASSERT_NE(std::find(kernels.begin(), kernels.end(), "ref"), kernels.end()) << c.name << ": no reference kernel";
    // A lost registration would otherwise pass, comparing nothing.
    if (cpu_isa() != Isa::kScalar) EXPECT_EQ(kernels.size() > 1, c.fast) << c.name << ": kernels " << kernels.size();
    const std::vector<Tensor> want = run_op_kernel("ref", c.op, c.inputs, c.attrs, c.opset);
    for (const std::string& k : kernels) {
      if (k == "ref") continue;
      const std::vector<Tensor> got = run_op_kernel(k, c.op, c.inputs, c.attrs, c.opset);
      ASSERT_EQ(got[0].shape(), want[0].shape()) << c.name << " " << k;
      ASSERT_EQ(got[0].dtype(), want[0].dtype()) << c.name << " " << k;
      if (want[0].dtype() != DType::kF32) {  // integer outputs: bit for bit
        const uint8_t* g = static_cast<const uint8_t*>(got[0].data());
        const uint8_t* w = static_cast<const uint8_t*>(want[0].data());
        const bool s8 = want[0].dtype() == DType::kI8;
        size_t off = 0;
        for (size_t i = 0; i < want[0].nbytes(); ++i) {
          const int gi = s8 ? static_cast<int8_t>(g[i]) : g[i], wi = s8 ? static_cast<int8_t>(w[i]) : w[i];
          ASSERT_LE(std::abs(gi - wi), c.int_tol) << c.name << ": kernel " << k << " at byte " << i;
          off += gi != wi;
        }
        EXPECT_LE(off, want[0].nbytes() / 100) << c.name << ": kernel " << k << ", outputs a step apart";
        ++compared;
        continue;
      }
      const float* g = got[0].as<float>();
      const float* w = want[0].as<float>();
      for (int64_t i = 0; i < want[0].numel(); ++i)
        ASSERT_NEAR(g[i], w[i], c.tol * (1 + std::abs(w[i]))) << c.name << ": kernel " << k << " at " << i;
      ++compared;
    }
  }
  // Capped to scalar, the row kernels have no portable twin.
  if (cpu_isa() != Isa::kScalar) EXPECT_GT(compared, 0);
}

INSTANTIATE_TEST_SUITE_P(Ops, KernelParity,
                         ::testing::Values(Table{"Conv", conv_cases}, Table{"Gemm", gemm_cases}, Table{"Rows", row_cases},
                                           Table{"Quant", quant_cases}, Table{"Resize", resize_cases}),
                         [](const ::testing::TestParamInfo<Table>& info) { return std::string(info.param.name); });

// Winograd F(4x4) recovers each sum from 576 times it modulo 2^32: exact only while |sum| < 2^25,
// so it must refuse a layer whose weights could pass that (where F(2x2) still runs), and take
// the one just inside (which the parity cases above check bit for bit).
TEST(QuantWinograd, F43TakesOnlyLayersItsBoundProvesExact) {
  auto kernels_for = [](int64_t c) {
    const Shape xe{1, c, 16, 16}, we{16, c, 3, 3};
    return supported_kernels("QLinearConv",
                             in(u8s(xe, 1), f32v(1.f), u8v(0), s8s(we, 0, 127, 127), f32v(1.f), s8v(0), f32v(1e-6f), s8v(0)),
                             {attr_ints("pads", {1, 1, 1, 1})});
  };
  auto has = [](const std::vector<std::string>& ks, const std::string& suffix) {
    return std::any_of(ks.begin(), ks.end(), [&](const std::string& k) {
      return k.size() >= suffix.size() && k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0;
    });
  };
  const std::vector<std::string> inside = kernels_for(115), outside = kernels_for(116);
  EXPECT_TRUE(has(inside, "winograd_f43"));    // 9 * 115 * 127 * 255 < 2^25
  EXPECT_FALSE(has(outside, "winograd_f43"));  // 9 * 116 * 127 * 255 >= 2^25
  EXPECT_TRUE(has(outside, ".winograd"));
}


// The integer drivers (im2col, Winograd F(2x2) and F(4x4), MatMul) with each x86 target's tile
// shapes — AVX-512's 12 rows, AVX-VNNI's 6 — on models of their instructions (a CPU without
// them still runs the drivers' row blocking, Winograd's per-tile planes and the tails with
// those shapes), the rest of the table portable: every quant case, bit for bit. The VNNI
// tables put full 8-bit weights on the byte kernels too (c4_exact), as they will on the CPU.
// kExact: the model's byte sums are exact (VNNI), so the table takes any 8-bit weights on them.
template <class Ops, int MRB, int MRS, bool kExact>
const QGemmKernels& model_table() {
  static const QGemmKernels k = [] {
    using T = QTileSet<Ops, MRB, MRS>;
    QGemmKernels t = kQGemmPortable;
    t.c4_exact = kExact;
    t.u8s8 = {"model_u8s8", QOperands::kU8S8, MRB, 16, 4, T::u8s8};
    t.s8u8 = {"model_s8u8", QOperands::kS8U8, MRB, 16, 4, T::s8u8};
    t.s16 = {"model_s16", QOperands::kS16, MRS, 16, 2, T::s16};
    return t;
  }();
  return k;
}
using Avx512VnniModel = testing::ModelOps<16, true>;
using AvxVnniModel = testing::ModelOps<8, true>;
using Avx512BwModel = testing::ModelOps<16, false>;

template <const QGemmKernels& (*T)()>
std::vector<KernelDef> model_kernels() {
  const bool exact = T().c4_exact;
  return {{"im2col", [](const KernelContext& c) { qlinear_conv_with(c, T()); }, qlinear_conv_supports, 1, qlinear_conv_scratch,
           exact ? qlinear_conv_prepare_exact : qlinear_conv_prepare},
          {"winograd", [](const KernelContext& c) { qlinear_winograd_with(c, T()); }, qlinear_winograd_supports, 1,
           qlinear_winograd_scratch, qlinear_winograd_prepare},
          {"winograd_f43", [](const KernelContext& c) { qlinear_winograd43_with(c, T()); }, qlinear_winograd43_supports, 1,
           qlinear_winograd43_scratch, qlinear_winograd43_prepare},
          {"matmul", [](const KernelContext& c) { qlinear_matmul_with(c, T()); }, qlinear_matmul_supports, 1,
           qlinear_matmul_scratch, exact ? qlinear_matmul_prepare_exact : qlinear_matmul_prepare}};
}

// Every quant case through each target's integer drivers, bit for bit against the reference;
// the drivers that took some case go into `drivers`. Returns how many ran.
int drivers_match_the_reference(const std::vector<std::pair<std::string, std::vector<KernelDef>>>& targets,
                                std::set<std::string>& drivers) {
  int compared = 0;
  for (const Case& c : quant_cases()) {
    const std::vector<Tensor> want = run_op_kernel("ref", c.op, c.inputs, c.attrs, c.opset);
    for (const auto& [target, defs] : targets)
      for (const KernelDef& k : defs) {
        const bool matmul = c.op == "QLinearMatMul" || c.op == "edgewm.QGemm";
        if (!(matmul || c.op == "QLinearConv" || c.op == "edgewm.QLinearConv") || matmul != (k.name == "matmul")) continue;
        if (!testing::kernel_def_supports(k, c.op, c.inputs, c.attrs, c.opset)) continue;
        const std::vector<Tensor> got = run_op_kernel_def(k, c.op, c.inputs, c.attrs, c.opset);
        EXPECT_EQ(got[0].nbytes(), want[0].nbytes()) << c.name;
        if (got[0].nbytes() != want[0].nbytes()) continue;
        EXPECT_EQ(std::memcmp(got[0].data(), want[0].data(), want[0].nbytes()), 0) << c.name << ": " << target << " " << k.name;
        drivers.insert(k.name);
        ++compared;
      }
  }
  return compared;
}

TEST(KernelParityModels, IntegerDriversWithEveryX86TargetsTileShapes) {
  std::set<std::string> drivers;
  const int compared = drivers_match_the_reference(
      {{"avx512vnni", model_kernels<model_table<Avx512VnniModel, kQTileRowsAvx512, kQTileRowsAvx512, true>>()},
       {"avx512bw", model_kernels<model_table<Avx512BwModel, kQTileRowsAvx512, kQTileRowsAvx512, false>>()},
       {"avxvnni", model_kernels<model_table<AvxVnniModel, kQTileRowsAvxVnni, kQTileRowsAvxVnni, true>>()}},
      drivers);
  EXPECT_EQ(drivers.size(), 4u);  // each driver took some case
  EXPECT_GT(compared, 100);
}

#if defined(__aarch64__)
// The NEON table runs only its best byte kernels (i8mm over sdot): each pair this CPU has, in a
// table of its own, through the drivers (qemu-aarch64 reports both).
template <size_t V> const QGemmKernels& neon_byte_table() {
  static const QGemmKernels k = [] {
    QGemmKernels t = neon_qgemm_kernels();
    const auto bytes = neon_qgemm_byte_kernels();
    if (V < bytes.size()) t.u8s8 = bytes[V][0], t.s8u8 = bytes[V][1], t.c4_exact = true;
    return t;
  }();
  return k;
}

TEST(KernelParityModels, IntegerDriversWithEveryNeonByteKernel) {
  const auto bytes = neon_qgemm_byte_kernels();
  if (bytes.empty()) GTEST_SKIP() << "this CPU has no dot-product extension";
  std::vector<std::pair<std::string, std::vector<KernelDef>>> targets = {{bytes[0][0].name, model_kernels<neon_byte_table<0>>()}};
  if (bytes.size() > 1) targets.push_back({bytes[1][0].name, model_kernels<neon_byte_table<1>>()});
  std::set<std::string> drivers;
  EXPECT_GT(drivers_match_the_reference(targets, drivers), 100);
  EXPECT_EQ(drivers.size(), 4u);
}
#endif

}  // namespace
}  // namespace edgewm
