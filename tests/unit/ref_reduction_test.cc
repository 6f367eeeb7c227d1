// Reference reduction kernels (Reduce*, ArgMax/ArgMin, TopK, Softmax/LogSoftmax/Hardmax,
// LpNormalization, CumSum): hand-computed cases, naive-loop cross-checks of the contiguous and
// strided paths, end-to-end cases through the importer and a session, and the error cases.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>

#include "compiler/compile.h"
#include "edgewm/error.h"
#include "edgewm/session.h"
#include "onnx_builder.h"
#include "op_test_util.h"

namespace edgewm {
namespace {

using testing::attr_int;
using testing::attr_ints;
using testing::in;
using testing::make_f32;
using testing::make_i64;
using testing::OnnxBuilder;
using testing::run_op;
using testing::to_vector;

constexpr float kInf = std::numeric_limits<float>::infinity();

void expect_near(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-5f) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isinf(want[i]) || std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(want[i]) ? std::isnan(got[i]) : got[i] == want[i]) << "at " << i << ": " << got[i];
      continue;
    }
    EXPECT_NEAR(got[i], want[i], tol * std::max(1.f, std::fabs(want[i]))) << "at " << i;
  }
}

template <class T> Tensor make(DType dt, const Shape& s, const std::vector<T>& v) {
  Tensor t(dt, s);
  EXPECT_EQ(static_cast<int64_t>(v.size()), t.numel());
  if (!v.empty()) std::memcpy(t.data(), v.data(), v.size() * sizeof(T));
  return t;
}
Tensor make_i32(const Shape& s, const std::vector<int32_t>& v) { return make(DType::kI32, s, v); }
Tensor make_f64(const Shape& s, const std::vector<double>& v) { return make(DType::kF64, s, v); }
template <class T> std::vector<T> values(const Tensor& t) { return std::vector<T>(t.as<T>(), t.as<T>() + t.numel()); }
std::vector<int64_t> to_i64(const Tensor& t) { return values<int64_t>(t); }

std::vector<float> iota(int64_t n, float start = 1.f) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = start + static_cast<float>(i);
  return v;
}

std::vector<float> random_values(int64_t n, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = d(rng);
  return v;
}

ErrorKind error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no error thrown";
  return ErrorKind::kInternal;
}

Tensor axes(const std::vector<int64_t>& a) { return make_i64(Shape{static_cast<int64_t>(a.size())}, a); }

// ---------------------------------------------------------------------------- Reduce*

TEST(RefReductionReduce, KeepdimsAndNegativeAxes) {
  Tensor x = make_f32(Shape{2, 3, 2}, iota(12));  // 1..12
  auto last = run_op("ReduceSum", in(x, axes({-1})));
  EXPECT_EQ(last[0].shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(to_vector(last[0]), (std::vector<float>{3, 7, 11, 15, 19, 23}));
  auto last0 = run_op("ReduceSum", in(x, axes({2})), {attr_int("keepdims", 0)});
  EXPECT_EQ(last0[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(to_vector(last0[0]), (std::vector<float>{3, 7, 11, 15, 19, 23}));
  // The middle axis (kept innermost): [1+3+5, 2+4+6, 7+9+11, 8+10+12].
  auto mid = run_op("ReduceSum", in(x, axes({-2})), {attr_int("keepdims", 0)});
  EXPECT_EQ(mid[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(to_vector(mid[0]), (std::vector<float>{9, 12, 27, 30}));
  // Outer and inner axes together: per middle index j, {2j+1, 2j+2, 2j+7, 2j+8}.
  auto outer_inner = run_op("ReduceSum", in(x, axes({0, -1})), {attr_int("keepdims", 1)});
  EXPECT_EQ(outer_inner[0].shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(to_vector(outer_inner[0]), (std::vector<float>{18, 26, 34}));
  // Duplicated axes count once.
  EXPECT_EQ(to_vector(run_op("ReduceSum", in(x, axes({2, -1})))[0]), (std::vector<float>{3, 7, 11, 15, 19, 23}));
}

TEST(RefReductionReduce, EmptyAxesReduceAllUnlessNoop) {
  Tensor x = make_f32(Shape{2, 2}, {1, -2, 3, 4});
  auto all = run_op("ReduceSum", in(x));
  EXPECT_EQ(all[0].shape(), (Shape{1, 1}));
  EXPECT_EQ(to_vector(all[0]), (std::vector<float>{6}));
  auto all_empty = run_op("ReduceMax", in(x, Tensor(DType::kI64, Shape{0})), {attr_int("keepdims", 0)}, 1, 18);
  EXPECT_EQ(all_empty[0].shape(), Shape{});
  EXPECT_EQ(to_vector(all_empty[0]), (std::vector<float>{4}));
  // noop_with_empty_axes: nothing is reduced, but each element still goes through the op
  // (as onnxruntime and the ONNX reference do): SumSquare squares, L2 takes |x|, Sum is identity.
  const auto noop = attr_int("noop_with_empty_axes", 1);
  auto id = run_op("ReduceSum", in(x, Tensor(DType::kI64, Shape{0})), {noop, attr_int("keepdims", 0)});
  EXPECT_EQ(id[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(to_vector(id[0]), (std::vector<float>{1, -2, 3, 4}));
  EXPECT_EQ(to_vector(run_op("ReduceSum", in(x), {noop})[0]), (std::vector<float>{1, -2, 3, 4}));
  EXPECT_EQ(to_vector(run_op("ReduceSumSquare", in(x), {noop}, 1, 18)[0]), (std::vector<float>{1, 4, 9, 16}));
  EXPECT_EQ(to_vector(run_op("ReduceL2", in(x), {noop}, 1, 18)[0]), (std::vector<float>{1, 2, 3, 4}));
  // Given axes win over noop_with_empty_axes.
  EXPECT_EQ(to_vector(run_op("ReduceSum", in(x, axes({0})), {noop})[0]), (std::vector<float>{4, 2}));
}

TEST(RefReductionReduce, EveryKindByHand) {
  Tensor x = make_f32(Shape{2, 2}, {1, -2, 3, 4});
  auto row = [&](const char* op) { return to_vector(run_op(op, in(x, axes({1})), {attr_int("keepdims", 0)}, 1, 18)[0]); };
  EXPECT_EQ(row("ReduceSum"), (std::vector<float>{-1, 7}));
  EXPECT_EQ(row("ReduceMean"), (std::vector<float>{-0.5f, 3.5f}));
  EXPECT_EQ(row("ReduceMax"), (std::vector<float>{1, 4}));
  EXPECT_EQ(row("ReduceMin"), (std::vector<float>{-2, 3}));
  EXPECT_EQ(row("ReduceProd"), (std::vector<float>{-2, 12}));
  EXPECT_EQ(row("ReduceL1"), (std::vector<float>{3, 7}));
  expect_near(row("ReduceL2"), {std::sqrt(5.f), 5});
  EXPECT_EQ(row("ReduceSumSquare"), (std::vector<float>{5, 25}));
  expect_near(row("ReduceLogSumExp"), {std::log(std::exp(1.f) + std::exp(-2.f)), std::log(std::exp(3.f) + std::exp(4.f))});
  Tensor pos = make_f32(Shape{2, 2}, {1, 2, 3, 4});
  expect_near(to_vector(run_op("ReduceLogSum", in(pos, axes({0})), {}, 1, 18)[0]), {std::log(4.f), std::log(6.f)});
  // Large values: log-sum-exp subtracts the maximum first.
  expect_near(to_vector(run_op("ReduceLogSumExp", in(make_f32(Shape{2}, {1000, 1000})), {}, 1, 18)[0]),
              {1000 + std::log(2.f)});
  // f64.
  auto d = run_op("ReduceMean", in(make_f64(Shape{3}, {1, 2, 4})), {}, 1, 18);
  EXPECT_EQ(values<double>(d[0]), (std::vector<double>{7.0 / 3}));
}

TEST(RefReductionReduce, EmptyReductionGivesTheIdentity) {
  Tensor x(DType::kF32, Shape{2, 0});
  auto run = [&](const char* op) {
    auto out = run_op(op, in(x, axes({1})), {}, 1, 18);
    EXPECT_EQ(out[0].shape(), (Shape{2, 1})) << op;
    return to_vector(out[0]);
  };
  EXPECT_EQ(run("ReduceSum"), (std::vector<float>{0, 0}));
  EXPECT_EQ(run("ReduceProd"), (std::vector<float>{1, 1}));
  EXPECT_EQ(run("ReduceL1"), (std::vector<float>{0, 0}));
  EXPECT_EQ(run("ReduceL2"), (std::vector<float>{0, 0}));
  EXPECT_EQ(run("ReduceSumSquare"), (std::vector<float>{0, 0}));
  EXPECT_EQ(run("ReduceMax"), (std::vector<float>{-kInf, -kInf}));
  EXPECT_EQ(run("ReduceMin"), (std::vector<float>{kInf, kInf}));
  EXPECT_EQ(run("ReduceLogSum"), (std::vector<float>{-kInf, -kInf}));
  EXPECT_EQ(run("ReduceLogSumExp"), (std::vector<float>{-kInf, -kInf}));
  auto imax = run_op("ReduceMax", in(Tensor(DType::kI32, Shape{0, 3}), axes({0})), {}, 1, 18);
  EXPECT_EQ(values<int32_t>(imax[0]), std::vector<int32_t>(3, std::numeric_limits<int32_t>::lowest()));
  // The mean of nothing is undefined.
  EXPECT_EQ(error_of([&] { run_op("ReduceMean", in(x, axes({1})), {}, 1, 18); }), ErrorKind::kUnsupported);
  // Reducing a non-empty axis of an empty tensor is just an empty output.
  auto e = run_op("ReduceMean", in(x, axes({0})), {}, 1, 18);
  EXPECT_EQ(e[0].shape(), (Shape{1, 0}));
}

TEST(RefReductionReduce, IntegerTypes) {
  Tensor x = make_i32(Shape{2, 3}, {1, -2, 3, -7, 0, 2});
  auto sum = run_op("ReduceSum", in(x, axes({1})), {attr_int("keepdims", 0)});
  EXPECT_EQ(values<int32_t>(sum[0]), (std::vector<int32_t>{2, -5}));
  // Mean truncates toward zero: 2/3 -> 0, -5/3 -> -1.
  auto mean = run_op("ReduceMean", in(x, axes({1})), {attr_int("keepdims", 0)}, 1, 18);
  EXPECT_EQ(values<int32_t>(mean[0]), (std::vector<int32_t>{0, -1}));
  EXPECT_EQ(values<int32_t>(run_op("ReduceProd", in(x, axes({0})), {}, 1, 18)[0]), (std::vector<int32_t>{-7, 0, 6}));
  EXPECT_EQ(values<int32_t>(run_op("ReduceL1", in(x), {attr_int("keepdims", 0)}, 1, 18)[0]), (std::vector<int32_t>{15}));
  EXPECT_EQ(values<int32_t>(run_op("ReduceMin", in(x, axes({0})), {}, 1, 18)[0]), (std::vector<int32_t>{-7, -2, 2}));
  // L2 of integers: floor(sqrt(1 + 4 + 9)) = 3.
  EXPECT_EQ(values<int32_t>(run_op("ReduceL2", in(make_i32(Shape{3}, {1, -2, 3})), {}, 1, 18)[0]), (std::vector<int32_t>{3}));
  // i64 sums stay exact beyond 2^53.
  const int64_t big = (int64_t{1} << 60) + 1;
  EXPECT_EQ(to_i64(run_op("ReduceSum", in(make_i64(Shape{2}, {big, 2})))[0]), (std::vector<int64_t>{big + 2}));
  // Sums wrap like the input type.
  const int32_t imax = std::numeric_limits<int32_t>::max();
  EXPECT_EQ(values<int32_t>(run_op("ReduceSum", in(make_i32(Shape{2}, {imax, 1})))[0]),
            (std::vector<int32_t>{std::numeric_limits<int32_t>::lowest()}));
  // u8 Max.
  auto u8 = run_op("ReduceMax", in(make<uint8_t>(DType::kU8, Shape{3}, {7, 200, 3})), {}, 1, 18);
  EXPECT_EQ(values<uint8_t>(u8[0]), (std::vector<uint8_t>{200}));
}

TEST(RefReductionReduce, NaNPropagatesThroughMaxAndMin) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const char* op : {"ReduceMax", "ReduceMin"}) {
    for (auto v : {std::vector<float>{1, nan, 3}, std::vector<float>{nan, 1, 3}, std::vector<float>{1, 3, nan}}) {
      auto out = to_vector(run_op(op, in(make_f32(Shape{3}, v)), {}, 1, 18)[0]);
      EXPECT_TRUE(std::isnan(out[0])) << op;
    }
  }
  // Also through the 8-lane path.
  std::vector<float> long_row = iota(40);
  long_row[17] = nan;
  EXPECT_TRUE(std::isnan(to_vector(run_op("ReduceMax", in(make_f32(Shape{40}, long_row)), {}, 1, 18)[0])[0]));
}

// Naive reduction of a [A, B, C] tensor over a mask of its axes, in double.
std::vector<float> naive_reduce(const std::vector<float>& x, const int64_t (&d)[3], const bool (&m)[3], const char* op) {
  const int64_t oa = m[0] ? 1 : d[0], ob = m[1] ? 1 : d[1], oc = m[2] ? 1 : d[2];
  std::vector<double> acc(static_cast<size_t>(oa * ob * oc), std::string(op) == "ReduceMax" ? -1e300 : 0.0);
  std::vector<int64_t> cnt(acc.size(), 0);
  for (int64_t a = 0; a < d[0]; ++a)
    for (int64_t b = 0; b < d[1]; ++b)
      for (int64_t c = 0; c < d[2]; ++c) {
        const double v = x[static_cast<size_t>((a * d[1] + b) * d[2] + c)];
        const size_t o = static_cast<size_t>(((m[0] ? 0 : a) * ob + (m[1] ? 0 : b)) * oc + (m[2] ? 0 : c));
        if (std::string(op) == "ReduceMax") acc[o] = std::max(acc[o], v);
        else if (std::string(op) == "ReduceSumSquare") acc[o] += v * v;
        else if (std::string(op) == "ReduceLogSumExp") acc[o] += std::exp(v);
        else acc[o] += v;
        ++cnt[o];
      }
  std::vector<float> out(acc.size());
  for (size_t i = 0; i < acc.size(); ++i) {
    double r = acc[i];
    if (std::string(op) == "ReduceMean") r /= static_cast<double>(cnt[i]);
    if (std::string(op) == "ReduceLogSumExp") r = std::log(r);
    out[i] = static_cast<float>(r);
  }
  return out;
}

TEST(RefReductionReduce, ContiguousAndStridedPathsMatchNaiveLoops) {
  // Big enough for several threads, 8-lane runs, and more than one 256-column chunk.
  const int64_t d[3] = {6, 37, 300};
  std::vector<float> x = random_values(d[0] * d[1] * d[2], 7);
  Tensor t = make_f32(Shape{d[0], d[1], d[2]}, x);
  const bool masks[][3] = {{false, false, true}, {false, true, true}, {false, true, false}, {true, false, false},
                           {true, false, true}, {true, true, true}, {true, true, false}};
  for (const auto& m : masks) {
    std::vector<int64_t> ax;
    for (int i = 0; i < 3; ++i)
      if (m[i]) ax.push_back(i);
    for (const char* op : {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceSumSquare", "ReduceLogSumExp"}) {
      SCOPED_TRACE(std::string(op) + " axes " + std::to_string(ax.size()) + " first " + std::to_string(ax[0]));
      auto out = run_op(op, in(t, axes(ax)), {}, 1, 18);
      expect_near(to_vector(out[0]), naive_reduce(x, d, m, op), 1e-4f);
    }
  }
}

// ---------------------------------------------------------------------------- ArgMax / ArgMin

TEST(RefReductionArg, AxisKeepdimsAndLastIndex) {
  Tensor x = make_f32(Shape{2, 3}, {1, 4, 4, 5, 0, 5});
  auto k = run_op("ArgMax", in(x), {attr_int("axis", 1)});
  EXPECT_EQ(k[0].shape(), (Shape{2, 1}));
  EXPECT_EQ(to_i64(k[0]), (std::vector<int64_t>{1, 0}));
  auto last = run_op("ArgMax", in(x), {attr_int("axis", -1), attr_int("keepdims", 0), attr_int("select_last_index", 1)});
  EXPECT_EQ(last[0].shape(), (Shape{2}));
  EXPECT_EQ(to_i64(last[0]), (std::vector<int64_t>{2, 2}));
  // Default axis 0 (the strided path).
  EXPECT_EQ(to_i64(run_op("ArgMax", in(x))[0]), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(to_i64(run_op("ArgMin", in(x))[0]), (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(to_i64(run_op("ArgMin", in(x), {attr_int("axis", 1)})[0]), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(to_i64(run_op("ArgMin", in(make_f32(Shape{4}, {2, 1, 3, 1})), {attr_int("select_last_index", 1)})[0]),
            (std::vector<int64_t>{3}));
  // Integers.
  EXPECT_EQ(to_i64(run_op("ArgMax", in(make_i32(Shape{3}, {-5, 9, 9})))[0]), (std::vector<int64_t>{1}));
}

TEST(RefReductionArg, NaNWinsLikeNumpy) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = make_f32(Shape{4}, {1, nan, 3, nan});
  EXPECT_EQ(to_i64(run_op("ArgMax", in(x))[0]), (std::vector<int64_t>{1}));
  EXPECT_EQ(to_i64(run_op("ArgMin", in(x))[0]), (std::vector<int64_t>{1}));
  EXPECT_EQ(to_i64(run_op("ArgMax", in(x), {attr_int("select_last_index", 1)})[0]), (std::vector<int64_t>{3}));
}

TEST(RefReductionArg, StridedChunksMatchContiguous) {
  // [7, 150] along axis 0 (columns in chunks) vs its transpose along axis 1 (rows), with ties.
  std::vector<float> x(7 * 150), xt(150 * 7);
  std::mt19937 rng(3);
  for (int r = 0; r < 7; ++r)
    for (int c = 0; c < 150; ++c) xt[c * 7 + r] = x[r * 150 + c] = static_cast<float>(rng() % 5);
  for (const char* op : {"ArgMax", "ArgMin"})
    for (int last = 0; last < 2; ++last) {
      auto a = run_op(op, in(make_f32(Shape{7, 150}, x)), {attr_int("axis", 0), attr_int("select_last_index", last)});
      auto b = run_op(op, in(make_f32(Shape{150, 7}, xt)), {attr_int("axis", 1), attr_int("select_last_index", last)});
      EXPECT_EQ(to_i64(a[0]), to_i64(b[0])) << op << " last " << last;
    }
}

// ---------------------------------------------------------------------------- Softmax family

TEST(RefReductionSoftmax, Opset11FlattensOpset13UsesOneAxis) {
  Tensor x = make_f32(Shape{1, 2, 2}, {1, 2, 3, 4});
  // Opset 11, default axis 1: one row of 4.
  float s = 0;
  for (int k = 1; k <= 4; ++k) s += std::exp(static_cast<float>(k));
  std::vector<float> flat;
  for (int k = 1; k <= 4; ++k) flat.push_back(std::exp(static_cast<float>(k)) / s);
  expect_near(to_vector(run_op("Softmax", in(x), {}, 1, 11)[0]), flat);
  // Opset 11, axis -2 is the same block; axis -1 gives pairs.
  expect_near(to_vector(run_op("Softmax", in(x), {attr_int("axis", -2)}, 1, 11)[0]), flat);
  const float lo = 1 / (1 + std::exp(1.f)), hi = 1 - lo;  // softmax of (a, a + 1)
  expect_near(to_vector(run_op("Softmax", in(x), {attr_int("axis", -1)}, 1, 11)[0]), {lo, hi, lo, hi});
  // Opset 13, default axis -1: pairs along the last axis.
  expect_near(to_vector(run_op("Softmax", in(x), {}, 1, 13)[0]), {lo, hi, lo, hi});
  // Opset 13, axis 1 only (the strided path): columns (1, 3) and (2, 4).
  const float lo2 = 1 / (1 + std::exp(2.f)), hi2 = 1 - lo2;
  expect_near(to_vector(run_op("Softmax", in(x), {attr_int("axis", 1)}, 1, 13)[0]), {lo2, lo2, hi2, hi2});
  // LogSoftmax is the log of the same.
  expect_near(to_vector(run_op("LogSoftmax", in(x), {attr_int("axis", 1)}, 1, 13)[0]),
              {std::log(lo2), std::log(lo2), std::log(hi2), std::log(hi2)});
  std::vector<float> log_flat;
  for (float v : flat) log_flat.push_back(std::log(v));
  expect_near(to_vector(run_op("LogSoftmax", in(x), {}, 1, 11)[0]), log_flat);
}

TEST(RefReductionSoftmax, HardmaxPicksTheFirstMaximum) {
  Tensor x = make_f32(Shape{2, 3}, {3, 1, 3, 0, 5, 2});
  EXPECT_EQ(to_vector(run_op("Hardmax", in(x), {}, 1, 13)[0]), (std::vector<float>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(to_vector(run_op("Hardmax", in(x), {attr_int("axis", 0)}, 1, 13)[0]), (std::vector<float>{1, 0, 1, 0, 1, 0}));
  // Opset 11, axis 0: one-hot over the whole flattened tensor.
  EXPECT_EQ(to_vector(run_op("Hardmax", in(x), {attr_int("axis", 0)}, 1, 11)[0]), (std::vector<float>{0, 0, 0, 0, 1, 0}));
}

TEST(RefReductionSoftmax, LargeValuesDoNotOverflow) {
  Tensor x = make_f32(Shape{3}, {1000, 1000, -kInf});
  expect_near(to_vector(run_op("Softmax", in(x))[0]), {0.5f, 0.5f, 0});
  expect_near(to_vector(run_op("LogSoftmax", in(x))[0]), {-std::log(2.f), -std::log(2.f), -kInf});
  auto d = run_op("Softmax", in(make_f64(Shape{2}, {-1e300, 1e300})));
  EXPECT_EQ(values<double>(d[0]), (std::vector<double>{0, 1}));
}

TEST(RefReductionSoftmax, RowsAndStridedChunksMatchNaiveLoops) {
  // [4, 150, 70] along axis 1: 70 columns (a full and a partial chunk of 64); along axis 2: rows.
  const int64_t A = 4, B = 150, C = 70;
  std::vector<float> x = random_values(A * B * C, 11, -20.f, 20.f);
  Tensor t = make_f32(Shape{A, B, C}, x);
  for (int axis : {1, 2}) {
    const int64_t len = axis == 1 ? B : C, inner = axis == 1 ? C : 1;
    std::vector<float> want(x.size()), want_log(x.size());
    for (int64_t a = 0; a < A; ++a)
      for (int64_t i = 0; i < (axis == 1 ? C : B); ++i) {
        const int64_t base = axis == 1 ? a * B * C + i : (a * B + i) * C;
        double mx = -1e300, s = 0;
        for (int64_t k = 0; k < len; ++k) mx = std::max(mx, double(x[base + k * inner]));
        for (int64_t k = 0; k < len; ++k) s += std::exp(double(x[base + k * inner]) - mx);
        for (int64_t k = 0; k < len; ++k) {
          want[base + k * inner] = static_cast<float>(std::exp(double(x[base + k * inner]) - mx) / s);
          want_log[base + k * inner] = static_cast<float>(double(x[base + k * inner]) - mx - std::log(s));
        }
      }
    SCOPED_TRACE("axis " + std::to_string(axis));
    expect_near(to_vector(run_op("Softmax", in(t), {attr_int("axis", axis)})[0]), want, 1e-5f);
    expect_near(to_vector(run_op("LogSoftmax", in(t), {attr_int("axis", axis)})[0]), want_log, 1e-5f);
  }
}

TEST(RefReductionSoftmax, Errors) {
  Tensor x = make_f32(Shape{2, 3}, iota(6));
  EXPECT_EQ(error_of([&] { run_op("Softmax", in(x), {attr_int("axis", 2)}); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("LogSoftmax", in(x), {attr_int("axis", -3)}); }), ErrorKind::kInvalidModel);
  // Rank 1 at opset 11: the default axis 1 is out of range (as in onnxruntime).
  EXPECT_EQ(error_of([&] { run_op("Softmax", in(make_f32(Shape{3}, {1, 2, 3})), {}, 1, 11); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("Softmax", in(make_f32(Shape{}, {1}))); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("Softmax", in(make_i32(Shape{2}, {1, 2}))); }), ErrorKind::kUnsupported);
  EXPECT_EQ(error_of([&] { run_op("Hardmax", in(Tensor(DType::kF16, Shape{2}))); }), ErrorKind::kUnsupported);
}

// ---------------------------------------------------------------------------- LpNormalization

TEST(RefReductionLpNorm, P1P2AxisAndZeroRows) {
  Tensor x = make_f32(Shape{2, 2}, {3, -4, 0, 0});
  expect_near(to_vector(run_op("LpNormalization", in(x), {}, 1, 1)[0]), {0.6f, -0.8f, 0, 0});
  expect_near(to_vector(run_op("LpNormalization", in(x), {attr_int("p", 1)}, 1, 1)[0]), {3.f / 7, -4.f / 7, 0, 0});
  // Axis 0: columns (3, 0) and (-4, 0).
  expect_near(to_vector(run_op("LpNormalization", in(x), {attr_int("axis", 0)}, 1, 1)[0]), {1, -1, 0, 0});
  EXPECT_EQ(error_of([&] { run_op("LpNormalization", in(x), {attr_int("p", 3)}, 1, 1); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("LpNormalization", in(x), {attr_int("axis", 2)}, 1, 1); }), ErrorKind::kInvalidModel);
}

// ---------------------------------------------------------------------------- CumSum

TEST(RefReductionCumSum, AxesExclusiveReverse) {
  Tensor x = make_f32(Shape{2, 3}, iota(6));  // [[1,2,3],[4,5,6]]
  EXPECT_EQ(to_vector(run_op("CumSum", in(x, make_i64(Shape{}, {1})))[0]), (std::vector<float>{1, 3, 6, 4, 9, 15}));
  EXPECT_EQ(to_vector(run_op("CumSum", in(x, make_i32(Shape{1}, {-1})))[0]), (std::vector<float>{1, 3, 6, 4, 9, 15}));
  EXPECT_EQ(to_vector(run_op("CumSum", in(x, make_i64(Shape{}, {0})))[0]), (std::vector<float>{1, 2, 3, 5, 7, 9}));
  const auto ex = attr_int("exclusive", 1), rev = attr_int("reverse", 1);
  EXPECT_EQ(to_vector(run_op("CumSum", in(x, make_i64(Shape{}, {1})), {ex})[0]), (std::vector<float>{0, 1, 3, 0, 4, 9}));
  EXPECT_EQ(to_vector(run_op("CumSum", in(x, make_i64(Shape{}, {1})), {rev})[0]), (std::vector<float>{6, 5, 3, 15, 11, 6}));
  EXPECT_EQ(to_vector(run_op("CumSum", in(x, make_i64(Shape{}, {1})), {ex, rev})[0]), (std::vector<float>{5, 3, 0, 11, 6, 0}));
  EXPECT_EQ(to_vector(run_op("CumSum", in(x, make_i64(Shape{}, {0})), {ex})[0]), (std::vector<float>{0, 0, 0, 1, 2, 3}));
  EXPECT_EQ(to_vector(run_op("CumSum", in(x, make_i64(Shape{}, {0})), {ex, rev})[0]), (std::vector<float>{4, 5, 6, 0, 0, 0}));
  auto i = run_op("CumSum", in(make_i32(Shape{3}, {5, -2, 7}), make_i64(Shape{}, {0})), {rev});
  EXPECT_EQ(values<int32_t>(i[0]), (std::vector<int32_t>{10, 5, 7}));
  EXPECT_EQ(error_of([&] { run_op("CumSum", in(x, make_i64(Shape{}, {2}))); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("CumSum", in(x, make_i64(Shape{2}, {0, 1}))); }), ErrorKind::kInvalidModel);
}

// ---------------------------------------------------------------------------- TopK

TEST(RefReductionTopK, LargestSmallestTiesAndAxes) {
  Tensor x = make_f32(Shape{2, 5}, {1, 5, 3, 5, 2, 0, -1, 4, 4, 9});
  Tensor k3 = make_i64(Shape{1}, {3});
  auto top = run_op("TopK", in(x, k3), {}, 2, 11);
  EXPECT_EQ(top[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(to_vector(top[0]), (std::vector<float>{5, 5, 3, 9, 4, 4}));
  EXPECT_EQ(to_i64(top[1]), (std::vector<int64_t>{1, 3, 2, 4, 2, 3}));  // equal values: lower index first
  auto small = run_op("TopK", in(x, k3), {attr_int("largest", 0)}, 2, 11);
  EXPECT_EQ(to_vector(small[0]), (std::vector<float>{1, 2, 3, -1, 0, 4}));
  EXPECT_EQ(to_i64(small[1]), (std::vector<int64_t>{0, 4, 2, 1, 0, 2}));
  // Axis 0 (negative): columns of 2.
  auto col = run_op("TopK", in(x, make_i64(Shape{1}, {1})), {attr_int("axis", -2)}, 2, 11);
  EXPECT_EQ(col[0].shape(), (Shape{1, 5}));
  EXPECT_EQ(to_vector(col[0]), (std::vector<float>{1, 5, 4, 5, 9}));
  EXPECT_EQ(to_i64(col[1]), (std::vector<int64_t>{0, 0, 1, 0, 1}));
  // Opset 1 takes k as an attribute.
  auto v1 = run_op("TopK", in(x), {attr_int("k", 2)}, 2, 1);
  EXPECT_EQ(to_vector(v1[0]), (std::vector<float>{5, 5, 9, 4}));
  // k = 0 gives empty outputs.
  EXPECT_EQ(run_op("TopK", in(x, make_i64(Shape{1}, {0})), {}, 2, 11)[0].shape(), (Shape{2, 0}));
  // NaN ranks highest.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto n = run_op("TopK", in(make_f32(Shape{4}, {1, nan, 3, 2}), make_i64(Shape{1}, {2})), {}, 2, 11);
  EXPECT_EQ(to_i64(n[1]), (std::vector<int64_t>{1, 2}));
  auto ns = run_op("TopK", in(make_f32(Shape{4}, {1, nan, 3, 2}), make_i64(Shape{1}, {2})), {attr_int("largest", 0)}, 2, 11);
  EXPECT_EQ(to_i64(ns[1]), (std::vector<int64_t>{0, 3}));
  // Integers.
  auto it = run_op("TopK", in(make_i32(Shape{4}, {3, 8, -1, 8}), make_i64(Shape{1}, {3})), {}, 2, 11);
  EXPECT_EQ(values<int32_t>(it[0]), (std::vector<int32_t>{8, 8, 3}));
  EXPECT_EQ(to_i64(it[1]), (std::vector<int64_t>{1, 3, 0}));
}

TEST(RefReductionTopK, Errors) {
  Tensor x = make_f32(Shape{2, 5}, iota(10));
  EXPECT_EQ(error_of([&] { run_op("TopK", in(x, make_i64(Shape{1}, {6})), {}, 2, 11); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("TopK", in(x, make_i64(Shape{1}, {-1})), {}, 2, 11); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("TopK", in(x, make_i64(Shape{2}, {1, 2})), {}, 2, 11); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("TopK", in(x, make_i64(Shape{1}, {1})), {attr_int("axis", 2)}, 2, 11); }),
            ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("TopK", in(x), {}, 2, 1); }), ErrorKind::kInvalidModel);  // no k
}

// ---------------------------------------------------------------------------- Reduce errors

TEST(RefReductionErrors, AxesDtypesAndShapes) {
  Tensor x = make_f32(Shape{2, 3}, iota(6));
  EXPECT_EQ(error_of([&] { run_op("ReduceSum", in(x, axes({2}))); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("ReduceMean", in(x, axes({-3})), {}, 1, 18); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("ReduceSum", in(x, make_i64(Shape{1, 1}, {0}))); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("ReduceSum", in(make_f32(Shape{}, {1}), axes({0}))); }), ErrorKind::kInvalidModel);
  // The attribute form of axes must have been moved to input 1 by the importer.
  EXPECT_EQ(error_of([&] { run_op("ReduceSum", in(x), {attr_ints("axes", {0})}, 1, 11); }), ErrorKind::kInvalidModel);
  // Integer logarithms have no specified rounding; f16 and bool are not implemented.
  EXPECT_EQ(error_of([&] { run_op("ReduceLogSumExp", in(make_i32(Shape{2}, {1, 2})), {}, 1, 18); }),
            ErrorKind::kUnsupported);
  EXPECT_EQ(error_of([&] { run_op("ReduceLogSum", in(make_i32(Shape{2}, {1, 2})), {}, 1, 18); }), ErrorKind::kUnsupported);
  EXPECT_EQ(error_of([&] { run_op("ReduceSum", in(Tensor(DType::kF16, Shape{2}))); }), ErrorKind::kUnsupported);
  EXPECT_EQ(error_of([&] { run_op("ReduceMax", in(Tensor(DType::kBool, Shape{2})), {}, 1, 20); }), ErrorKind::kUnsupported);
  EXPECT_EQ(error_of([&] { run_op("ReduceSum", in(make<uint8_t>(DType::kU8, Shape{1}, {1}))); }), ErrorKind::kUnsupported);
  EXPECT_EQ(error_of([&] { run_op("ArgMax", in(x), {attr_int("axis", 2)}); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("ArgMax", in(Tensor(DType::kF32, Shape{2, 0})), {attr_int("axis", 1)}); }),
            ErrorKind::kInvalidModel);
}

// ---------------------------------------------------------------------------- through the importer

std::vector<float> run_model(const std::string& bytes, const Tensor& x, size_t output = 0) {
  auto model = Model::from_bytes(compile_imported(import_onnx_bytes(bytes, ".")).serialize());
  Session s(model);
  auto outs = s.run({x.view()});
  const TensorView& o = outs[output];
  if (o.dtype == DType::kI64) {
    std::vector<float> v;
    for (int64_t i = 0; i < o.numel(); ++i) v.push_back(static_cast<float>(static_cast<const int64_t*>(o.data)[i]));
    return v;
  }
  return std::vector<float>(static_cast<const float*>(o.data), static_cast<const float*>(o.data) + o.numel());
}

TEST(RefReductionModel, Opset11AxesAttributeAndSoftmax) {
  Tensor x = make_f32(Shape{2, 2, 2}, iota(8));
  {
    OnnxBuilder b(11);
    b.input("x", {2, 2, 2}).output("y");
    auto& n = b.node("ReduceMean", {"x"}, {"y"});
    OnnxBuilder::ints_attr(n, "axes", {-1, 0});
    OnnxBuilder::int_attr(n, "keepdims", 0);
    // Per middle index j: mean of {2j+1, 2j+2, 2j+5, 2j+6}.
    EXPECT_EQ(run_model(b.bytes(), x), (std::vector<float>{3.5f, 5.5f}));
  }
  {
    OnnxBuilder b(11);
    b.input("x", {2, 2, 2}).output("y");
    b.node("Softmax", {"x"}, {"y"});  // axis 1: rows of 4
    auto y = run_model(b.bytes(), x);
    float s = 0;
    for (int k = 0; k < 4; ++k) s += std::exp(static_cast<float>(k));
    for (int r = 0; r < 2; ++r)
      for (int k = 0; k < 4; ++k) EXPECT_NEAR(y[r * 4 + k], std::exp(static_cast<float>(k)) / s, 1e-6);
  }
}

TEST(RefReductionModel, TopKScratchIsPlanned) {
  std::vector<float> v = random_values(3 * 500, 5);
  Tensor x = make_f32(Shape{3, 500}, v);
  OnnxBuilder b(11);
  b.input("x", {3, 500}).output("values").output("indices");
  b.initializer("k", make_i64(Shape{1}, {4}));
  b.node("TopK", {"x", "k"}, {"values", "indices"});
  auto vals = run_model(b.bytes(), x, 0);
  auto idx = run_model(b.bytes(), x, 1);
  for (int r = 0; r < 3; ++r) {
    std::vector<float> row(v.begin() + r * 500, v.begin() + (r + 1) * 500);
    std::vector<float> sorted = row;
    std::sort(sorted.begin(), sorted.end(), std::greater<float>());
    for (int m = 0; m < 4; ++m) {
      EXPECT_EQ(vals[r * 4 + m], sorted[m]);
      EXPECT_EQ(row[static_cast<size_t>(idx[r * 4 + m])], sorted[m]);
    }
  }
}

}  // namespace
}  // namespace edgewm
