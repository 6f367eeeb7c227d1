// The quantisation reference ops against hand-computed values from the ONNX spec's formulas:
// rounding half to even, saturation at both ends, per-axis and blocked scales (opset 21), int16
// outputs, NaN inputs, and the integer products' zero points. (ONNX's own test data, run by the
// conformance suite, covers the common cases.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "edgewm/error.h"
#include "kernels/cpu_features.h"
#include "op_test_util.h"

namespace edgewm {
namespace {

using namespace edgewm::testing;

template <class T> Tensor make(DType t, const Shape& s, const std::vector<T>& v) {
  Tensor x(t, s);
  for (size_t i = 0; i < v.size(); ++i) static_cast<T*>(x.data())[i] = v[i];
  return x;
}
template <class T> std::vector<T> values(const Tensor& t) {
  const T* p = static_cast<const T*>(t.data());
  return std::vector<T>(p, p + t.numel());
}
Tensor u8(const Shape& s, const std::vector<uint8_t>& v) { return make(DType::kU8, s, v); }
Tensor i8(const Shape& s, const std::vector<int8_t>& v) { return make(DType::kI8, s, v); }
Tensor f32(const Shape& s, const std::vector<float>& v) { return make_f32(s, v); }
Tensor f32(float v) { return make_f32(Shape{}, {v}); }

TEST(RefQuant, QuantizeRoundsHalfToEvenThenSaturates) {
  // x / 2 = -1.5 -2.5 0.5 1.5 2.5 300 -300; + zero point 10
  Tensor x = f32(Shape{7}, {-3, -5, 1, 3, 5, 600, -600});
  EXPECT_EQ(values<uint8_t>(run_op("QuantizeLinear", in(x, f32(2), u8(Shape{}, {10})))[0]),
            (std::vector<uint8_t>{8, 8, 10, 12, 12, 255, 0}));
  EXPECT_EQ(values<int8_t>(run_op("QuantizeLinear", in(x, f32(2), i8(Shape{}, {-1})))[0]),
            (std::vector<int8_t>{-3, -3, -1, 1, 1, 127, -128}));
  // No zero point: uint8, zero point 0.
  std::vector<uint8_t> y = values<uint8_t>(run_op("QuantizeLinear", in(x, f32(2)))[0]);
  EXPECT_EQ(y, (std::vector<uint8_t>{0, 0, 0, 2, 2, 255, 0}));
}

TEST(RefQuant, QuantizeDividesAsTheSpecSaysNotByAReciprocal) {
  // float32: 2.25 / 0.3 = 7.4999995 -> 7, but 2.25 * (1 / 0.3) = 7.5 -> 8 (numpy, as ONNX's
  // reference computes it); likewise 10.849999 / 0.7 -> 15, not 16.
  EXPECT_EQ(values<uint8_t>(run_op("QuantizeLinear", in(f32(Shape{1}, {2.25f}), f32(0.3f), u8(Shape{}, {0})))[0]),
            (std::vector<uint8_t>{7}));
  EXPECT_EQ(values<uint8_t>(run_op("QuantizeLinear", in(f32(Shape{1}, {10.849999f}), f32(0.7f), u8(Shape{}, {0})))[0]),
            (std::vector<uint8_t>{15}));
}

TEST(RefQuant, QuantizeMapsNaNToTheZeroPointAndInfinitiesToTheEnds) {
  const float inf = std::numeric_limits<float>::infinity();
  Tensor x = f32(Shape{3}, {std::numeric_limits<float>::quiet_NaN(), inf, -inf});
  EXPECT_EQ(values<int8_t>(run_op("QuantizeLinear", in(x, f32(1), i8(Shape{}, {5})))[0]), (std::vector<int8_t>{5, 127, -128}));
}

TEST(RefQuant, PerAxisScalesAndZeroPoints) {
  Tensor x = f32(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
  // axis 0: row scales 1 and 2; zero points 0 and 100.
  EXPECT_EQ(values<uint8_t>(run_op("QuantizeLinear", in(x, f32(Shape{2}, {1, 2}), u8(Shape{2}, {0, 100})),
                                   {attr_int("axis", 0)}, 1, 13)[0]),
            (std::vector<uint8_t>{1, 2, 3, 102, 102, 103}));
  // axis -1 (columns).
  EXPECT_EQ(values<uint8_t>(run_op("QuantizeLinear", in(x, f32(Shape{3}, {1, 2, 4}), u8(Shape{3}, {0, 0, 0})),
                                   {attr_int("axis", -1)}, 1, 13)[0]),
            (std::vector<uint8_t>{1, 1, 1, 4, 2, 2}));  // 2/2=1, 3/4=0.75->1, 5/2=2.5->2, 6/4=1.5->2
  Tensor q = i8(Shape{2, 3}, {1, 2, 3, -4, -5, -6});
  EXPECT_EQ(to_vector(run_op("DequantizeLinear", in(q, f32(Shape{2}, {0.5f, 2}), i8(Shape{2}, {1, -4})),
                             {attr_int("axis", 0)}, 1, 13)[0]),
            (std::vector<float>{0, 0.5f, 1, 0, -2, -4}));
}

TEST(RefQuant, BlockedScalesOfOpset21) {
  // x [2, 5], blocks of 2 along axis 1: scale [2, 3] (the last block holds one column).
  Tensor q = i8(Shape{2, 5}, {1, 1, 1, 1, 1, 2, 2, 2, 2, 2});
  Tensor s = f32(Shape{2, 3}, {1, 10, 100, 2, 20, 200});
  EXPECT_EQ(to_vector(run_op("DequantizeLinear", in(q, s), {attr_int("axis", 1), attr_int("block_size", 2)}, 1, 21)[0]),
            (std::vector<float>{1, 1, 10, 10, 100, 4, 4, 40, 40, 400}));
  try {
    run_op("DequantizeLinear", in(q, f32(Shape{2, 2}, {1, 1, 1, 1})), {attr_int("axis", 1), attr_int("block_size", 2)}, 1, 21);
    ADD_FAILURE() << "a blocked scale of the wrong shape was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("does not fit input 2x5 with block_size 2"), std::string::npos) << e.what();
  }
}

TEST(RefQuant, Int16OutputsViaOutputDtypeOrZeroPoint) {
  Tensor x = f32(Shape{3}, {1000.4f, -40000, 40000});
  const std::vector<int16_t> want{1000, -32768, 32767};
  EXPECT_EQ(values<int16_t>(run_op("QuantizeLinear", in(x, f32(1)), {attr_int("output_dtype", 5 /* INT16 */)}, 1, 21)[0]), want);
  EXPECT_EQ(values<int16_t>(run_op("QuantizeLinear", in(x, f32(1), make<int16_t>(DType::kI16, Shape{}, {0})), {}, 1, 21)[0]), want);
}

TEST(RefQuant, MismatchedParametersAreRefused) {
  Tensor x = f32(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_THROW(run_op("QuantizeLinear", in(x, f32(Shape{4}, {1, 1, 1, 1})), {attr_int("axis", 1)}, 1, 13), Error);
  EXPECT_THROW(run_op("QuantizeLinear", in(x, f32(Shape{3}, {1, 1, 1}), u8(Shape{2}, {0, 0})), {}, 1, 13), Error);
  EXPECT_THROW(run_op("QuantizeLinear", in(x, f32(Shape{3}, {1, 1, 1})), {attr_int("axis", 2)}, 1, 13), Error);
  EXPECT_THROW(run_op("QuantizeLinear", in(x, f32(Shape{3}, {1, 1, 1})), {}, 1, 10), Error);  // per-axis is opset 13+
  Tensor i32 = make<int32_t>(DType::kI32, Shape{2}, {5, 6});
  EXPECT_THROW(run_op("DequantizeLinear", in(i32, f32(1), make<int32_t>(DType::kI32, Shape{}, {3}))), Error);
}

TEST(RefQuant, DynamicQuantizeCoversZeroAndAllEqualInputs) {
  auto outs = run_op("DynamicQuantizeLinear", in(f32(Shape{4}, {1, 2, 3, 5.1f})), {}, 3);
  const float scale = 5.1f / 255.f;  // min clamps to 0: zero point 0
  EXPECT_FLOAT_EQ(*outs[1].as<float>(), scale);
  EXPECT_EQ(values<uint8_t>(outs[2]), (std::vector<uint8_t>{0}));
  EXPECT_EQ(values<uint8_t>(outs[0])[3], 255);
  outs = run_op("DynamicQuantizeLinear", in(f32(Shape{2}, {0, 0})), {}, 3);  // max == min: scale 1 / 255
  EXPECT_FLOAT_EQ(*outs[1].as<float>(), 1.f / 255.f);
  EXPECT_EQ(values<uint8_t>(outs[0]), (std::vector<uint8_t>{0, 0}));
  EXPECT_THROW(run_op("DynamicQuantizeLinear", in(f32(Shape{2}, {1, std::numeric_limits<float>::infinity()})), {}, 3), Error);
}

TEST(RefQuant, MatMulIntegerAtTheSaturationExtremes) {
  // All-255 activations with +127/-128 weights, K = 64: sums far beyond int16 (what vpmaddubsw
  // pair sums would clip), exact in int32.
  const int64_t K = 64;
  Tensor a = u8(Shape{1, K}, std::vector<uint8_t>(K, 255));
  std::vector<int8_t> wv;
  for (int64_t k = 0; k < K; ++k) wv.push_back(127), wv.push_back(-128);
  Tensor b = i8(Shape{K, 2}, wv);
  EXPECT_EQ(values<int32_t>(run_op("MatMulInteger", in(a, b))[0]), (std::vector<int32_t>{255 * 127 * K, -255 * 128 * K}));
  // Zero points: per tensor for A, per column for B.
  EXPECT_EQ(values<int32_t>(run_op("MatMulInteger", in(a, b, u8(Shape{}, {255}), i8(Shape{2}, {0, 0})))[0]),
            (std::vector<int32_t>{0, 0}));
  EXPECT_EQ(values<int32_t>(run_op("MatMulInteger", in(a, b, u8(Shape{}, {0}), i8(Shape{2}, {127, -128})))[0]),
            (std::vector<int32_t>{0, 0}));
}

TEST(RefQuant, QLinearMatMulRequantisesPerColumn) {
  Tensor a = u8(Shape{1, 2}, {130, 120});  // a_zp 128: (2, -8)
  Tensor b = i8(Shape{2, 2}, {3, 1, 1, 5});
  // acc = (2*3 - 8*1, 2*1 - 8*5) = (-2, -38); multipliers 0.5*1/0.25 = 2 and 0.5*0.5/0.25 = 1
  auto y = run_op("QLinearMatMul", in(a, f32(0.5f), u8(Shape{}, {128}), b, f32(Shape{2}, {1, 0.5f}), i8(Shape{}, {0}),
                                      f32(0.25f), u8(Shape{}, {100})));
  EXPECT_EQ(values<uint8_t>(y[0]), (std::vector<uint8_t>{96, 62}));
}

// Degenerate scales (a corrupted or hostile file): y_scale 0 makes the multiplier infinite, so a
// zero accumulator gives 0 * inf = NaN; a NaN scale likewise. Both give the zero point (as a NaN
// does in QuantizeLinear), an infinite multiplier saturates; never a NaN cast to an integer (UB,
// found by fuzz_ewm_load under UBSan).
TEST(RefQuant, QLinearMatMulWithDegenerateScalesGivesTheZeroPointOrSaturates) {
  Tensor a = u8(Shape{1, 2}, {128, 129});  // a_zp 128: (0, 1)
  Tensor b = i8(Shape{2, 2}, {1, 0, 1, -1});  // acc = (1, -1)
  Tensor a0 = u8(Shape{1, 2}, {128, 128});  // acc = (0, 0)
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto q = [&](const Tensor& x, float y_scale) {
    return values<uint8_t>(run_op("QLinearMatMul", in(x, f32(1), u8(Shape{}, {128}), b, f32(1), i8(Shape{}, {0}), f32(y_scale),
                                                      u8(Shape{}, {100})))[0]);
  };
  EXPECT_EQ(q(a0, 0.f), (std::vector<uint8_t>{100, 100}));
  EXPECT_EQ(q(a, 0.f), (std::vector<uint8_t>{255, 0}));
  EXPECT_EQ(q(a, nan), (std::vector<uint8_t>{100, 100}));
}

// edgewm.QGemm: B transposed (PyTorch's Linear weights [out, in]) or not, per-column scales,
// the int32 C added before the requantisation.
TEST(RefQuant, QGemmWithTransposedWeightsAndBias) {
  Tensor a = u8(Shape{2, 2}, {130, 120, 128, 129});  // a_zp 128: (2, -8), (0, 1)
  Tensor bt = i8(Shape{2, 2}, {3, 1, 1, 5});         // B^T: column 0 = (3, 1), column 1 = (1, 5)
  Tensor c = make<int32_t>(DType::kI32, Shape{2}, {10, -3});
  // acc + C = (2*3 - 8 + 10, 2 - 40 - 3; 1 + 10, 5 - 3) = (8, -41; 11, 2); multipliers 2 and 1
  auto y = run_op("edgewm.QGemm", in(a, f32(0.5f), u8(Shape{}, {128}), bt, f32(Shape{2}, {1, 0.5f}), i8(Shape{}, {0}), c,
                                     f32(0.25f), u8(Shape{}, {100})),
                  {attr_int("transB", 1)});
  EXPECT_EQ(values<uint8_t>(y[0]), (std::vector<uint8_t>{116, 59, 122, 102}));
  // Not transposed, no C: QLinearMatMul's answer.
  Tensor b = i8(Shape{2, 2}, {3, 1, 1, 5});
  auto q = run_op("edgewm.QGemm", in(a, f32(0.5f), u8(Shape{}, {128}), b, f32(Shape{2}, {1, 0.5f}), i8(Shape{}, {0}), Tensor(),
                                     f32(0.25f), u8(Shape{}, {100})));
  auto m = run_op("QLinearMatMul", in(a, f32(0.5f), u8(Shape{}, {128}), b, f32(Shape{2}, {1, 0.5f}), i8(Shape{}, {0}),
                                      f32(0.25f), u8(Shape{}, {100})));
  EXPECT_EQ(values<uint8_t>(q[0]), values<uint8_t>(m[0]));
  EXPECT_THROW(run_op("edgewm.QGemm", in(a, f32(0.5f), u8(Shape{}, {128}), i8(Shape{3, 2}, {1, 2, 3, 4, 5, 6}), f32(1),
                                         i8(Shape{}, {0}), Tensor(), f32(0.25f), u8(Shape{}, {100}))),
               Error);  // [2, 2] x [3, 2]: K differs
}

// edgewm.Lookup: u8 inputs index the table as they are, s8 ones from -128; y has the table's type.
TEST(RefQuant, LookupIndexesTheTable) {
  std::vector<int8_t> t(256);
  for (int i = 0; i < 256; ++i) t[static_cast<size_t>(i)] = static_cast<int8_t>(127 - i);
  const Tensor table = i8(Shape{256}, t);
  EXPECT_EQ(values<int8_t>(run_op("edgewm.Lookup", in(u8(Shape{3}, {0, 1, 255}), table))[0]), (std::vector<int8_t>{127, 126, -128}));
  EXPECT_EQ(values<int8_t>(run_op("edgewm.Lookup", in(i8(Shape{3}, {-128, 0, 127}), table))[0]), (std::vector<int8_t>{127, -1, -128}));
  EXPECT_THROW(run_op("edgewm.Lookup", in(u8(Shape{1}, {0}), i8(Shape{255}, std::vector<int8_t>(255, 0)))), Error);
}

// edgewm.QLinearAdd / QLinearMul: each side dequantised, the float sum or product quantised to
// C's scale, zero point and type (saturating), with numpy broadcasting.
TEST(RefQuant, QLinearAddAndMulDequantiseOperateQuantise) {
  const Tensor a = u8(Shape{3}, {130, 100, 128});  // (x - 128) * 0.5: 1, -14, 0
  const Tensor b = i8(Shape{3}, {10, -4, 3});      // (x - 2) * 0.25: 2, -1.5, 0.25
  auto run = [&](const char* op, const Tensor& bv) {
    return values<uint8_t>(run_op(op, in(a, f32(0.5f), u8(Shape{}, {128}), bv, f32(0.25f), i8(Shape{}, {2}), f32(0.5f),
                                         u8(Shape{}, {10})))[0]);
  };
  // Sums 3, -15.5, 0.25 -> 6, -31, 0.5 (half to even: 0) + 10 -> 16, 0 (saturated), 10.
  EXPECT_EQ(run("edgewm.QLinearAdd", b), (std::vector<uint8_t>{16, 0, 10}));
  // Products 2, 21, 0 -> 4, 42, 0 + 10 -> 14, 52, 10.
  EXPECT_EQ(run("edgewm.QLinearMul", b), (std::vector<uint8_t>{14, 52, 10}));
  // b broadcast from one value (2: the zero point's 0 after dequantising) -> a * 0.5 + 10.
  EXPECT_EQ(run("edgewm.QLinearAdd", i8(Shape{1}, {2})), (std::vector<uint8_t>{12, 0, 10}));
  // s8 out: C's zero point's type; a per-channel scale is refused.
  auto s8 = run_op("edgewm.QLinearAdd", in(a, f32(0.5f), u8(Shape{}, {128}), b, f32(0.25f), i8(Shape{}, {2}), f32(0.1f),
                                           i8(Shape{}, {0})));
  EXPECT_EQ(values<int8_t>(s8[0]), (std::vector<int8_t>{30, -128, 2}));
  EXPECT_THROW(run_op("edgewm.QLinearAdd", in(a, f32(Shape{3}, {1, 1, 1}), u8(Shape{}, {128}), b, f32(0.25f),
                                             i8(Shape{}, {2}), f32(0.5f), u8(Shape{}, {10}))),
               Error);
}

// edgewm.QLinearConv: the sum plus bias in float times x_scale * w_scale, plus the dequantised
// residual, the activation, then QuantizeLinear to y.
TEST(RefQuant, FusedQLinearConvRunsItsFloatEpilogue) {
  const Tensor x = u8(Shape{1, 1, 1, 2}, {12, 10});  // less zp 10: 2, 0
  const Tensor w = i8(Shape{1, 1, 1, 1}, {3});
  const Tensor bias = make<int32_t>(DType::kI32, Shape{1}, {4});  // sums 10, 4; times 0.5 * 0.25: 1.25, 0.5
  auto run = [&](const char* act, bool residual) {
    std::vector<Tensor> ins = in(x, f32(0.5f), u8(Shape{}, {10}), w, f32(0.25f), i8(Shape{}, {0}), f32(0.5f), u8(Shape{}, {1}), bias);
    if (residual) {  // (20 - 4) * 0.5, (0 - 4) * 0.5: 8, -2
      ins.push_back(u8(Shape{1, 1, 1, 2}, {20, 0}));
      ins.push_back(f32(0.5f));
      ins.push_back(u8(Shape{}, {4}));
    }
    return values<uint8_t>(run_op("edgewm.QLinearConv", std::move(ins), {attr_string("activation", act)})[0]);
  };
  // 9.25, -1.5 -> relu 9.25, 0 -> / 0.5: 18.5 (half to even: 18), 0 -> + 1.
  EXPECT_EQ(run("relu", true), (std::vector<uint8_t>{19, 1}));
  // hardswish(1.25) = 0.8854, hardswish(0.5) = 0.2917 -> / 0.5: 1.77, 0.58 -> 2, 1 -> + 1.
  EXPECT_EQ(run("hardswish", false), (std::vector<uint8_t>{3, 2}));
  EXPECT_THROW(run("gelu", false), Error);  // not an activation the epilogue knows
}

TEST(RefQuant, QLinearConvWithPerChannelWeightsBiasAndPadding) {
  // x 1x1x2x2 (zp 10), w 2x1x1x1 per channel (zp 0), bias (5, -5), y_scale 1, y_zp 0, i8 out.
  Tensor x = u8(Shape{1, 1, 2, 2}, {10, 11, 12, 20});
  Tensor w = i8(Shape{2, 1, 1, 1}, {2, -3});
  Tensor bias = make<int32_t>(DType::kI32, Shape{2}, {5, -5});
  auto y = run_op("QLinearConv", in(x, f32(1), u8(Shape{}, {10}), w, f32(Shape{2}, {1, 0.5f}), i8(Shape{2}, {0, 0}), f32(1),
                                    i8(Shape{}, {0}), bias));
  // channel 0: (x-10)*2 + 5 = 5 7 9 25; channel 1: ((x-10)*-3 - 5) * 0.5 = -2.5 -4 -5.5 -17.5 -> -2 -4 -6 -18
  EXPECT_EQ(values<int8_t>(y[0]), (std::vector<int8_t>{5, 7, 9, 25, -2, -4, -6, -18}));
  // Padding holds the zero point: a 3x3 kernel of ones over the 2x2 input, pads 1.
  Tensor w3 = i8(Shape{1, 1, 3, 3}, std::vector<int8_t>(9, 1));
  auto c = run_op("ConvInteger", in(x, w3, u8(Shape{}, {10})), {attr_ints("pads", {1, 1, 1, 1})});
  EXPECT_EQ(values<int32_t>(c[0]), (std::vector<int32_t>{13, 13, 13, 13}));
}

// The Q/DQ kernels (kernels/quant/: portable and each ISA's) against the references, bit for bit, on values
// that hit every rounding and saturation case.
TEST(QuantKernels, QuantizeAndDequantizeKernelsMatchTheReference) {
  std::vector<float> xs;
  const float specials[] = {1e30f, -1e30f, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::quiet_NaN(), 2.25f, 10.849999f, -0.f};
  xs.assign(std::begin(specials), std::end(specials));  // at the front too: the vector loops' lanes, not only a tail
  for (int i = -600; i <= 600; ++i) xs.push_back(static_cast<float>(i) * 0.25f);  // many exact halves
  for (float v : specials) xs.push_back(v);
  while (xs.size() % 6) xs.push_back(0.5f);
  const int64_t n = static_cast<int64_t>(xs.size());
  Tensor x = f32(Shape{n / 6, 6}, xs);
  struct Params {
    Tensor s, z;
    int64_t axis;
  };
  std::vector<Params> cases;
  cases.push_back({f32(0.3f), u8(Shape{}, {128}), 1});
  cases.push_back({f32(0.5f), i8(Shape{}, {-3}), 1});
  cases.push_back({f32(Shape{6}, {0.1f, 0.2f, 0.3f, 0.5f, 0.7f, 2}), u8(Shape{6}, {0, 10, 128, 255, 3, 77}), 1});
  cases.push_back({f32(Shape{n / 6}, std::vector<float>(static_cast<size_t>(n / 6), 0.7f)), i8(Shape{n / 6}, std::vector<int8_t>(static_cast<size_t>(n / 6), 5)), 0});
  for (const Params& p : cases) {
    const std::vector<Attribute> attrs{attr_int("axis", p.axis)};
    // The portable kernel and every ISA's this CPU runs.
    const std::vector<std::string> kernels = supported_kernels("QuantizeLinear", in(x, p.s, p.z), attrs, 13);
    ASSERT_NE(std::find(kernels.begin(), kernels.end(), "portable"), kernels.end());
    if (cpu_isa() == Isa::kAvx2 || cpu_isa() == Isa::kAvx512) EXPECT_GE(kernels.size(), 3u);
    Tensor want = std::move(run_op_kernel("ref", "QuantizeLinear", in(x, p.s, p.z), attrs, 13)[0]);
    Tensor dq_want = std::move(run_op_kernel("ref", "DequantizeLinear", in(want, p.s, p.z), attrs, 13)[0]);
    for (const std::string& k : kernels) {
      if (k == "ref") continue;
      Tensor got = std::move(run_op_kernel(k, "QuantizeLinear", in(x, p.s, p.z), attrs, 13)[0]);
      ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.nbytes())) << k << ", axis " << p.axis;
      Tensor dq_got = std::move(run_op_kernel(k, "DequantizeLinear", in(want, p.s, p.z), attrs, 13)[0]);
      ASSERT_EQ(0, std::memcmp(dq_want.data(), dq_got.data(), dq_want.nbytes())) << k;
    }
  }
}

}  // namespace
}  // namespace edgewm
