// Hand-computed cases for the unary, binary, movement and reduction reference kernels.
#include <gtest/gtest.h>

#include <cmath>

#include "op_test_util.h"

namespace edgewm {
namespace {

using namespace edgewm::testing;

std::vector<int64_t> to_i64(const Tensor& t) { return std::vector<int64_t>(t.as<int64_t>(), t.as<int64_t>() + t.numel()); }
std::vector<bool> to_bool(const Tensor& t) {
  const bool* p = static_cast<const bool*>(t.data());
  return std::vector<bool>(p, p + t.numel());
}

ErrorKind kind_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "expected an edgewm::Error";
  return ErrorKind::kInternal;
}

TEST(RefBinary, PerChannelBroadcastAdd) {
  // [1,2,2,2] + [1,2,1,1]: channel 0 gets +10, channel 1 gets +20.
  Tensor x = make_f32(Shape{1, 2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  Tensor b = make_f32(Shape{1, 2, 1, 1}, {10, 20});
  auto y = run_op("Add", in(x, b));
  EXPECT_EQ(y[0].shape(), (Shape{1, 2, 2, 2}));
  EXPECT_EQ(to_vector(y[0]), (std::vector<float>{10, 11, 12, 13, 24, 25, 26, 27}));
}

TEST(RefBinary, TwoSidedBroadcastSubAndScalar) {
  Tensor a = make_f32(Shape{3, 1}, {1, 2, 3});
  Tensor b = make_f32(Shape{1, 2}, {10, 100});
  EXPECT_EQ(to_vector(run_op("Sub", in(a, b))[0]), (std::vector<float>{-9, -99, -8, -98, -7, -97}));
  Tensor s = make_f32(Shape{}, {2});
  EXPECT_EQ(to_vector(run_op("Mul", in(a, s))[0]), (std::vector<float>{2, 4, 6}));
}

TEST(RefBinary, ModFollowsPythonOrC) {
  Tensor a = make_i64(Shape{4}, {-7, 7, -7, 7});
  Tensor b = make_i64(Shape{4}, {3, -3, -3, 3});
  EXPECT_EQ(to_i64(run_op("Mod", in(a, b))[0]), (std::vector<int64_t>{2, -2, -1, 1}));
  EXPECT_EQ(to_i64(run_op("Mod", in(a, b), {attr_int("fmod", 1)})[0]), (std::vector<int64_t>{-1, 1, -1, 1}));
}

TEST(RefBinary, WhereAndComparisons) {
  Tensor a = make_f32(Shape{3}, {1, 5, 3});
  Tensor b = make_f32(Shape{3}, {2, 5, 1});
  auto less = run_op("Less", in(a, b));
  EXPECT_EQ(less[0].dtype(), DType::kBool);
  EXPECT_EQ(to_bool(less[0]), (std::vector<bool>{true, false, false}));
  EXPECT_EQ(to_vector(run_op("Where", in(less[0], a, b))[0]), (std::vector<float>{1, 5, 1}));
}

TEST(RefBinary, VariadicMaxAndMean) {
  Tensor a = make_f32(Shape{2}, {1, 8});
  Tensor b = make_f32(Shape{1}, {4});
  Tensor c = make_f32(Shape{2}, {7, 0});
  EXPECT_EQ(to_vector(run_op("Max", in(a, b, c))[0]), (std::vector<float>{7, 8}));
  EXPECT_EQ(to_vector(run_op("Mean", in(a, b, c))[0]), (std::vector<float>{4, 4}));
}

TEST(RefBinary, ExpandKeepsDimsWhereTargetIsOne) {
  Tensor x = make_f32(Shape{3, 1}, {1, 2, 3});
  auto y = run_op("Expand", in(x, make_i64(Shape{2}, {1, 2})));
  EXPECT_EQ(y[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(to_vector(y[0]), (std::vector<float>{1, 1, 2, 2, 3, 3}));
}

TEST(RefBinary, CastToHalfAndToIntSaturates) {
  Tensor x = make_f32(Shape{3}, {1.5f, -2.f, 1e10f});
  auto h = run_op("Cast", in(x), {attr_int("to", 10)});
  const uint16_t* hp = static_cast<const uint16_t*>(h[0].data());
  EXPECT_EQ(hp[0], 0x3e00);  // 1.5 in IEEE half
  EXPECT_EQ(hp[1], 0xc000);
  auto i = run_op("Cast", in(x), {attr_int("to", 6)});
  const int32_t* ip = i[0].as<int32_t>();
  EXPECT_EQ(ip[0], 1);  // truncation toward zero
  EXPECT_EQ(ip[1], -2);
  EXPECT_EQ(ip[2], 2147483647);
  EXPECT_EQ(kind_of([&] { run_op("Cast", in(x), {attr_int("to", 16)}); }), ErrorKind::kUnsupported);  // bfloat16
}

TEST(RefBinary, NonBroadcastableShapesAreAModelError) {
  EXPECT_EQ(kind_of([] { run_op("Add", in(make_f32(Shape{2}, {1, 2}), make_f32(Shape{3}, {1, 2, 3}))); }),
            ErrorKind::kInvalidModel);
}

TEST(RefUnary, ActivationsByHand) {
  Tensor x = make_f32(Shape{3}, {-3, 0, 3});
  EXPECT_EQ(to_vector(run_op("Relu", in(x))[0]), (std::vector<float>{0, 0, 3}));
  EXPECT_EQ(to_vector(run_op("HardSwish", in(x))[0]), (std::vector<float>{0, 0, 3}));  // x * clip(x/6+0.5, 0, 1)
  EXPECT_EQ(to_vector(run_op("HardSigmoid", in(x))[0]), (std::vector<float>{0, 0.5f, 1}));
  auto lr = to_vector(run_op("LeakyRelu", in(x), {attr_float("alpha", 0.1f)})[0]);
  EXPECT_FLOAT_EQ(lr[0], -0.3f);
  auto s = to_vector(run_op("Sigmoid", in(x))[0]);
  EXPECT_NEAR(s[0], 1 / (1 + std::exp(3.0)), 1e-7);
  EXPECT_FLOAT_EQ(s[1], 0.5f);
  auto r = to_vector(run_op("Round", in(make_f32(Shape{4}, {0.5f, 1.5f, 2.5f, -0.5f})))[0]);
  EXPECT_EQ(r, (std::vector<float>{0, 2, 2, -0}));  // half to even
}

TEST(RefMovement, TransposeConcatSplit) {
  Tensor x = make_f32(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(to_vector(run_op("Transpose", in(x))[0]), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  auto c = run_op("Concat", in(x, x), {attr_int("axis", -1)});
  EXPECT_EQ(c[0].shape(), (Shape{2, 6}));
  EXPECT_EQ(to_vector(c[0]), (std::vector<float>{1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}));
  auto parts = run_op("Split", in(x, make_i64(Shape{2}, {1, 2})), {attr_int("axis", 1)}, 2);
  EXPECT_EQ(to_vector(parts[0]), (std::vector<float>{1, 4}));
  EXPECT_EQ(to_vector(parts[1]), (std::vector<float>{2, 3, 5, 6}));
}

TEST(RefMovement, SliceWithNegativeStepAndClamping) {
  Tensor x = make_f32(Shape{5}, {0, 1, 2, 3, 4});
  auto y = run_op("Slice", in(x, make_i64(Shape{1}, {-1}), make_i64(Shape{1}, {INT64_MIN}), make_i64(Shape{1}, {0}),
                            make_i64(Shape{1}, {-2})));
  EXPECT_EQ(to_vector(y[0]), (std::vector<float>{4, 2, 0}));
  auto z = run_op("Slice", in(x, make_i64(Shape{1}, {1}), make_i64(Shape{1}, {1000})));
  EXPECT_EQ(to_vector(z[0]), (std::vector<float>{1, 2, 3, 4}));
}

TEST(RefMovement, GatherNegativeIndexAndReshape) {
  Tensor x = make_f32(Shape{3, 2}, {1, 2, 3, 4, 5, 6});
  auto g = run_op("Gather", in(x, make_i64(Shape{2}, {-1, 0})));
  EXPECT_EQ(to_vector(g[0]), (std::vector<float>{5, 6, 1, 2}));
  auto r = run_op("Reshape", in(x, make_i64(Shape{2}, {0, -1})));
  EXPECT_EQ(r[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(kind_of([&] { run_op("Reshape", in(x, make_i64(Shape{1}, {4}))); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(kind_of([&] { run_op("Gather", in(x, make_i64(Shape{1}, {3}))); }), ErrorKind::kInvalidModel);
}

TEST(RefMovement, PadModes) {
  Tensor x = make_f32(Shape{3}, {1, 2, 3});
  Tensor pads = make_i64(Shape{2}, {2, 1});
  EXPECT_EQ(to_vector(run_op("Pad", in(x, pads, make_f32(Shape{}, {9})))[0]), (std::vector<float>{9, 9, 1, 2, 3, 9}));
  EXPECT_EQ(to_vector(run_op("Pad", in(x, pads), {attr_string("mode", "reflect")})[0]),
            (std::vector<float>{3, 2, 1, 2, 3, 2}));
  EXPECT_EQ(to_vector(run_op("Pad", in(x, pads), {attr_string("mode", "edge")})[0]),
            (std::vector<float>{1, 1, 1, 2, 3, 3}));
  EXPECT_EQ(to_vector(run_op("Pad", in(x, pads), {attr_string("mode", "wrap")})[0]),
            (std::vector<float>{2, 3, 1, 2, 3, 1}));
  EXPECT_EQ(kind_of([&] { run_op("Pad", in(x, pads), {attr_string("mode", "mirror")}); }), ErrorKind::kUnsupported);
}

TEST(RefMovement, ShapeIsKnownAtCompileTime) {
  Tensor x(DType::kF32, Shape{2, 3, 4});
  EXPECT_EQ(to_i64(run_op("Shape", in(x))[0]), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(to_i64(run_op("Shape", in(x), {attr_int("start", -2)}, 1, 15)[0]), (std::vector<int64_t>{3, 4}));
}

TEST(RefReduce, MeanKeepdimsAndArgMaxLastIndex) {
  Tensor x = make_f32(Shape{2, 3}, {1, 2, 3, 4, 4, 0});
  auto m = run_op("ReduceMean", in(x, make_i64(Shape{1}, {1})), {}, 1, 18);
  EXPECT_EQ(m[0].shape(), (Shape{2, 1}));
  EXPECT_EQ(to_vector(m[0]), (std::vector<float>{2, 8.f / 3}));
  auto all = run_op("ReduceSum", in(x), {attr_int("keepdims", 0)}, 1, 18);
  EXPECT_EQ(all[0].shape(), Shape{});
  EXPECT_EQ(to_vector(all[0]), (std::vector<float>{14}));
  EXPECT_EQ(to_i64(run_op("ArgMax", in(x), {attr_int("axis", 1)})[0]), (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(to_i64(run_op("ArgMax", in(x), {attr_int("axis", 1), attr_int("select_last_index", 1)})[0]),
            (std::vector<int64_t>{2, 1}));
}

TEST(RefReduce, SoftmaxAxisSemanticsChangedAtOpset13) {
  // [1, 2, 2]: opset 11 (axis 1) normalises over the flattened 2x2 block; opset 13 over the last axis.
  Tensor x = make_f32(Shape{1, 2, 2}, {0, 0, 0, 0});
  EXPECT_EQ(to_vector(run_op("Softmax", in(x), {}, 1, 11)[0]), (std::vector<float>{0.25f, 0.25f, 0.25f, 0.25f}));
  EXPECT_EQ(to_vector(run_op("Softmax", in(x), {}, 1, 13)[0]), (std::vector<float>{0.5f, 0.5f, 0.5f, 0.5f}));
  auto ls = to_vector(run_op("LogSoftmax", in(make_f32(Shape{2}, {1000, 1000})))[0]);  // no overflow
  EXPECT_NEAR(ls[0], std::log(0.5), 1e-6);
}

TEST(RefReduce, CumSumExclusiveReverse) {
  Tensor x = make_f32(Shape{4}, {1, 2, 3, 4});
  Tensor axis = make_i64(Shape{}, {0});
  EXPECT_EQ(to_vector(run_op("CumSum", in(x, axis))[0]), (std::vector<float>{1, 3, 6, 10}));
  EXPECT_EQ(to_vector(run_op("CumSum", in(x, axis), {attr_int("exclusive", 1), attr_int("reverse", 1)})[0]),
            (std::vector<float>{9, 7, 4, 0}));
}

}  // namespace
}  // namespace edgewm
