// Shape and data-movement reference kernels (kernels/ref/movement*.cc): hand-computed cases,
// naive-loop cross-checks of the strided copy engine on odd shapes and every element size,
// run-time index checks, and the error cases.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <random>

#include "edgewm/thread_pool.h"
#include "edgewm/error.h"
#include "ir/graph.h"
#include "ir/op_registry.h"
#include "kernels/register_ops.h"
#include "op_test_util.h"
#include "kernels/evaluate_node.h"

namespace edgewm {
namespace {

using testing::attr_float;
using testing::attr_int;
using testing::attr_ints;
using testing::attr_string;
using testing::in;
using testing::make_f32;
using testing::make_i64;
using testing::run_op;
using testing::to_vector;

using F = std::vector<float>;
using I = std::vector<int64_t>;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

std::vector<int64_t> to_i64(const Tensor& t) { return I(t.as<int64_t>(), t.as<int64_t>() + t.numel()); }
std::vector<bool> to_bool(const Tensor& t) {
  const bool* p = static_cast<const bool*>(t.data());
  return std::vector<bool>(p, p + t.numel());
}
Tensor make_bool(const Shape& s, const std::vector<bool>& v) {
  Tensor t(DType::kBool, s);
  for (size_t i = 0; i < v.size(); ++i) static_cast<bool*>(t.data())[i] = v[i];
  return t;
}
Tensor make_i32(const Shape& s, const std::vector<int32_t>& v) {
  Tensor t(DType::kI32, s);
  std::memcpy(t.data(), v.data(), v.size() * 4);
  return t;
}
Tensor scalar_i64(int64_t v) { return make_i64(Shape{}, {v}); }
// (Built here rather than with make_i64, whose memcpy must not see an empty vector's null data.)
Tensor ints(const I& v) {
  Tensor t(DType::kI64, Shape{static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.as<int64_t>());
  return t;
}
F iota(int64_t n, float start = 0) {
  F v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = start + static_cast<float>(i);
  return v;
}
Tensor iota_i64(const Shape& s) {
  Tensor t(DType::kI64, s);
  for (int64_t i = 0; i < t.numel(); ++i) t.as<int64_t>()[i] = i;
  return t;
}

Attribute attr_tensor(const std::string& name, Tensor t) {
  Attribute a;
  a.name = name;
  a.kind = Attribute::Kind::kTensor;
  a.tensor = std::make_shared<Tensor>(std::move(t));
  return a;
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

// Like run_op, but inputs flagged in `runtime` are unknown during inference (as a model input
// would be) and only given to the kernel: exercises the kernels' own index checks.
std::vector<Tensor> run_with_runtime_inputs(const std::string& op, const std::vector<Tensor>& inputs,
                                            const std::vector<bool>& runtime, const std::vector<Attribute>& attrs = {},
                                            int opset = 17) {
  Graph g;
  Node n;
  n.name = "rt_" + op;
  n.op_type = op;
  n.opset = opset;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (i < runtime.size() && runtime[i]) {
      Value v;
      v.name = "in" + std::to_string(i);
      v.dtype = inputs[i].dtype();
      v.shape = inputs[i].shape();
      v.shape_known = true;
      n.inputs.push_back(g.add_value(v));
    } else {
      n.inputs.push_back(g.add_constant("in" + std::to_string(i), Tensor::copy_of(inputs[i].view())));
    }
  }
  Value out;
  out.name = "out";
  n.outputs.push_back(g.add_value(out));
  for (const Attribute& a : attrs) n.attrs.set(a);
  InferContext ictx(g, n);
  builtin_ops().find(op)->infer(ictx);
  for (size_t i = 0; i < inputs.size(); ++i)
    if (i < runtime.size() && runtime[i]) g.set_constant(n.inputs[i], Tensor::copy_of(inputs[i].view()));
  ThreadPool pool(2);
  return evaluate_node(g, n, pool);
}

// ---- Shape, Size ---------------------------------------------------------------------------

TEST(RefShapeShape, StartEndClampAndSize) {
  Tensor x(DType::kF16, Shape{2, 3, 5, 7});
  EXPECT_EQ(to_i64(run_op("Shape", in(x))[0]), (I{2, 3, 5, 7}));
  EXPECT_EQ(to_i64(run_op("Shape", in(x), {attr_int("start", 1), attr_int("end", -1)}, 1, 15)[0]), (I{3, 5}));
  EXPECT_EQ(to_i64(run_op("Shape", in(x), {attr_int("start", -10), attr_int("end", 10)}, 1, 15)[0]), (I{2, 3, 5, 7}));
  EXPECT_EQ(run_op("Shape", in(x), {attr_int("start", 3), attr_int("end", 1)}, 1, 15)[0].numel(), 0);
  auto size = run_op("Size", in(x));
  EXPECT_EQ(size[0].shape(), Shape{});
  EXPECT_EQ(to_i64(size[0]), (I{210}));
  EXPECT_EQ(to_i64(run_op("Size", in(Tensor(DType::kBool, Shape{})))[0]), (I{1}));
}

// ---- views ---------------------------------------------------------------------------------

TEST(RefShapeViews, ReshapeZeroCopiesUnlessAllowzero) {
  Tensor x = make_f32(Shape{2, 3, 4}, iota(24));
  auto r = run_op("Reshape", in(x, ints({0, -1, 2})));
  EXPECT_EQ(r[0].shape(), (Shape{2, 6, 2}));
  EXPECT_EQ(to_vector(r[0]), iota(24));
  EXPECT_EQ(run_op("Reshape", in(x, ints({-1})))[0].shape(), (Shape{24}));
  // allowzero=1: a 0 is a real zero dim (only valid for an empty input).
  Tensor empty(DType::kF32, Shape{0, 3});
  EXPECT_EQ(run_op("Reshape", in(empty, ints({3, 0})), {attr_int("allowzero", 1)}, 1, 14)[0].shape(), (Shape{3, 0}));
  EXPECT_EQ(run_op("Reshape", in(empty, ints({0, 3})), {}, 1, 14)[0].shape(), (Shape{0, 3}));
  EXPECT_EQ(error_of([&] { run_op("Reshape", in(x, ints({3, 0})), {attr_int("allowzero", 1)}, 1, 14); }), ErrorKind::kInvalidModel);
}

TEST(RefShapeViews, ReshapeErrors) {
  Tensor x = make_f32(Shape{2, 3}, iota(6));
  EXPECT_EQ(error_of([&] { run_op("Reshape", in(x, ints({4, -1}))); }), ErrorKind::kInvalidModel);      // 6 % 4
  EXPECT_EQ(error_of([&] { run_op("Reshape", in(x, ints({-1, -1}))); }), ErrorKind::kInvalidModel);     // two -1
  EXPECT_EQ(error_of([&] { run_op("Reshape", in(x, ints({7}))); }), ErrorKind::kInvalidModel);          // count
  EXPECT_EQ(error_of([&] { run_op("Reshape", in(x, ints({1, 1, 0}))); }), ErrorKind::kInvalidModel);    // 0 past rank
  EXPECT_EQ(error_of([&] { run_op("Reshape", in(x, ints({-2, -3}))); }), ErrorKind::kInvalidModel);     // negative
}

TEST(RefShapeViews, FlattenSqueezeUnsqueeze) {
  Tensor x = make_f32(Shape{2, 3, 4}, iota(24));
  EXPECT_EQ(run_op("Flatten", in(x), {attr_int("axis", -1)})[0].shape(), (Shape{6, 4}));
  EXPECT_EQ(run_op("Flatten", in(x), {attr_int("axis", 0)})[0].shape(), (Shape{1, 24}));
  EXPECT_EQ(run_op("Flatten", in(x), {attr_int("axis", 3)})[0].shape(), (Shape{24, 1}));
  EXPECT_EQ(error_of([&] { run_op("Flatten", in(x), {attr_int("axis", 4)}); }), ErrorKind::kInvalidModel);

  Tensor y = make_f32(Shape{1, 3, 1, 2}, iota(6));
  EXPECT_EQ(run_op("Squeeze", in(y, ints({-2})), {}, 1, 13)[0].shape(), (Shape{1, 3, 2}));
  EXPECT_EQ(run_op("Squeeze", in(y), {}, 1, 13)[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(to_vector(run_op("Squeeze", in(y), {}, 1, 13)[0]), iota(6));
  EXPECT_EQ(error_of([&] { run_op("Squeeze", in(y, ints({1})), {}, 1, 13); }), ErrorKind::kInvalidModel);      // size 3
  EXPECT_EQ(error_of([&] { run_op("Squeeze", in(y, ints({0, -4})), {}, 1, 13); }), ErrorKind::kInvalidModel);  // repeated

  Tensor z = make_f32(Shape{2, 3}, iota(6));
  EXPECT_EQ(run_op("Unsqueeze", in(z, ints({-1, 0})), {}, 1, 13)[0].shape(), (Shape{1, 2, 3, 1}));
  EXPECT_EQ(run_op("Unsqueeze", in(z, ints({1})), {}, 1, 13)[0].shape(), (Shape{2, 1, 3}));
  EXPECT_EQ(run_op("Unsqueeze", in(make_f32(Shape{}, {5}), ints({0})), {}, 1, 13)[0].shape(), (Shape{1}));
  EXPECT_EQ(error_of([&] { run_op("Unsqueeze", in(z, ints({3})), {}, 1, 13); }), ErrorKind::kInvalidModel);  // rank 3 has axes 0..2
}

TEST(RefShapeViews, IdentityKeepsBoolAndDropoutMask) {
  Tensor b = make_bool(Shape{3}, {true, false, true});
  EXPECT_EQ(to_bool(run_op("Identity", in(b))[0]), (std::vector<bool>{true, false, true}));
  Tensor x = make_f32(Shape{2, 2}, {1, -2, 3, -4});
  auto d = run_op("Dropout", in(x), {}, 2, 13);
  EXPECT_EQ(to_vector(d[0]), (F{1, -2, 3, -4}));
  EXPECT_EQ(d[1].dtype(), DType::kBool);
  EXPECT_EQ(to_bool(d[1]), (std::vector<bool>{true, true, true, true}));
  // Before opset 10 the mask had the data's type.
  auto old = run_op("Dropout", in(x), {attr_float("ratio", 0.3f)}, 2, 7);
  EXPECT_EQ(old[1].dtype(), DType::kF32);
  EXPECT_EQ(to_vector(old[1]), (F{1, 1, 1, 1}));
  // training_mode=false, and true with ratio 0, are the identity; true with a ratio is random.
  Tensor no = make_bool(Shape{}, {false}), yes = make_bool(Shape{}, {true});
  EXPECT_EQ(to_vector(run_op("Dropout", in(x, make_f32(Shape{}, {0.5f}), no), {}, 1, 13)[0]), (F{1, -2, 3, -4}));
  EXPECT_EQ(to_vector(run_op("Dropout", in(x, make_f32(Shape{}, {0.f}), yes), {}, 1, 13)[0]), (F{1, -2, 3, -4}));
  EXPECT_EQ(error_of([&] { run_op("Dropout", in(x, make_f32(Shape{}, {0.5f}), yes), {}, 1, 13); }), ErrorKind::kUnsupported);
  EXPECT_EQ(error_of([&] { run_op("Dropout", in(x, Tensor(), yes), {}, 1, 13); }), ErrorKind::kUnsupported);  // default 0.5
}

// ---- Transpose, Concat, Split ------------------------------------------------------------------

TEST(RefShapeTranspose, DefaultReversesAndExplicitPerm) {
  Tensor x = make_f32(Shape{2, 3, 4}, iota(24));
  auto t = run_op("Transpose", in(x));
  EXPECT_EQ(t[0].shape(), (Shape{4, 3, 2}));
  // out[k][j][i] = x[i][j][k] = 12i + 4j + k
  EXPECT_EQ(to_vector(t[0]), (F{0, 12, 4, 16, 8, 20, 1, 13, 5, 17, 9, 21, 2, 14, 6, 18, 10, 22, 3, 15, 7, 19, 11, 23}));
  auto p = run_op("Transpose", in(x), {attr_ints("perm", {1, 0, 2})});
  EXPECT_EQ(p[0].shape(), (Shape{3, 2, 4}));
  EXPECT_EQ(to_vector(p[0]), (F{0, 1, 2, 3, 12, 13, 14, 15, 4, 5, 6, 7, 16, 17, 18, 19, 8, 9, 10, 11, 20, 21, 22, 23}));
  EXPECT_EQ(error_of([&] { run_op("Transpose", in(x), {attr_ints("perm", {0, 0, 1})}); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("Transpose", in(x), {attr_ints("perm", {0, 1})}); }), ErrorKind::kInvalidModel);
}

TEST(RefShapeConcat, NegativeAxisOddShapesAndBool) {
  Tensor a = make_f32(Shape{2, 1}, {1, 2});
  Tensor b = make_f32(Shape{2, 3}, {3, 4, 5, 6, 7, 8});
  Tensor e(DType::kF32, Shape{2, 0});
  auto c = run_op("Concat", in(a, e, b, a), {attr_int("axis", -1)});
  EXPECT_EQ(c[0].shape(), (Shape{2, 5}));
  EXPECT_EQ(to_vector(c[0]), (F{1, 3, 4, 5, 1, 2, 6, 7, 8, 2}));
  Tensor p = make_bool(Shape{1, 2}, {true, false}), q = make_bool(Shape{2, 2}, {false, false, true, true});
  EXPECT_EQ(to_bool(run_op("Concat", in(p, q), {attr_int("axis", 0)})[0]), (std::vector<bool>{true, false, false, false, true, true}));
  EXPECT_EQ(error_of([&] { run_op("Concat", in(a, b), {attr_int("axis", 0)}); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("Concat", in(a, make_i64(Shape{2, 1}, {1, 2})), {attr_int("axis", 1)}); }), ErrorKind::kInvalidModel);
}

TEST(RefShapeSplit, SizesEvenAndUnevenParts) {
  Tensor x = make_f32(Shape{2, 5}, iota(10));
  auto s = run_op("Split", in(x, ints({1, 0, 4})), {attr_int("axis", -1)}, 3, 13);
  EXPECT_EQ(to_vector(s[0]), (F{0, 5}));
  EXPECT_EQ(s[1].shape(), (Shape{2, 0}));
  EXPECT_EQ(to_vector(s[2]), (F{1, 2, 3, 4, 6, 7, 8, 9}));
  // opset 18 num_outputs: ceil(5/3) = 2, 2, and the last gets 1.
  auto u = run_op("Split", in(x), {attr_int("axis", 1), attr_int("num_outputs", 3)}, 3, 18);
  EXPECT_EQ(to_vector(u[0]), (F{0, 1, 5, 6}));
  EXPECT_EQ(to_vector(u[1]), (F{2, 3, 7, 8}));
  EXPECT_EQ(to_vector(u[2]), (F{4, 9}));
  // Before 18 parts must be even.
  EXPECT_EQ(error_of([&] { run_op("Split", in(x), {attr_int("axis", 1)}, 3, 13); }), ErrorKind::kInvalidModel);
  auto even = run_op("Split", in(x), {}, 2, 13);
  EXPECT_EQ(to_vector(even[1]), (F{5, 6, 7, 8, 9}));
  EXPECT_EQ(error_of([&] { run_op("Split", in(x, ints({2, 2})), {attr_int("axis", 1)}, 2, 13); }), ErrorKind::kInvalidModel);
}

// ---- Slice --------------------------------------------------------------------------------------

TEST(RefShapeSlice, NegativeStepsClampingAndInt64Limits) {
  Tensor x = make_f32(Shape{3, 4}, iota(12));
  // Rows reversed from the end to the start, every other column from 1.
  auto y = run_op("Slice", in(x, ints({kMax, 1}), ints({kMin, kMax}), ints({0, -1}), ints({-1, 2})));
  EXPECT_EQ(y[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(to_vector(y[0]), (F{9, 11, 5, 7, 1, 3}));
  // ends -1 means "before the last": [1, 3) with step 1.
  EXPECT_EQ(to_vector(run_op("Slice", in(x, ints({1}), ints({-1}), ints({1})))[0]), (F{1, 2, 5, 6, 9, 10}));
  // Step -3 from index 3 down to (not including) 0: 3 only.
  EXPECT_EQ(to_vector(run_op("Slice", in(x, ints({3}), ints({0}), ints({1}), ints({-3})))[0]), (F{3, 7, 11}));
  // Out-of-range starts give empty results, huge steps one element.
  EXPECT_EQ(run_op("Slice", in(x, ints({10}), ints({20}), ints({1})))[0].shape(), (Shape{3, 0}));
  EXPECT_EQ(to_vector(run_op("Slice", in(x, ints({0}), ints({kMax}), ints({0}), ints({kMax})))[0]), (F{0, 1, 2, 3}));
  EXPECT_EQ(to_vector(run_op("Slice", in(x, ints({-1}), ints({kMin}), ints({0}), ints({kMin})))[0]), (F{8, 9, 10, 11}));
  // i32 parameters.
  auto z = run_op("Slice", in(x, make_i32(Shape{1}, {-2}), make_i32(Shape{1}, {100}), make_i32(Shape{1}, {1})));
  EXPECT_EQ(to_vector(z[0]), (F{2, 3, 6, 7, 10, 11}));
}

TEST(RefShapeSlice, Errors) {
  Tensor x = make_f32(Shape{3, 4}, iota(12));
  EXPECT_EQ(error_of([&] { run_op("Slice", in(x, ints({0}), ints({1}), ints({0}), ints({0}))); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("Slice", in(x, ints({0, 0}), ints({1, 1}), ints({1, -1}))); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("Slice", in(x, ints({0}), ints({1}), ints({2}))); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("Slice", in(x, ints({0, 1}), ints({1}))); }), ErrorKind::kInvalidModel);
}

// ---- Gather family ------------------------------------------------------------------------------

TEST(RefShapeGather, AxisNegativeIndicesAndRunTimeRangeCheck) {
  Tensor x = make_f32(Shape{2, 3}, iota(6));
  auto g = run_op("Gather", in(x, make_i64(Shape{2, 2}, {2, -3, -1, 1})), {attr_int("axis", -1)});
  EXPECT_EQ(g[0].shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(to_vector(g[0]), (F{2, 0, 2, 1, 5, 3, 5, 4}));
  auto s = run_op("Gather", in(x, scalar_i64(1)));
  EXPECT_EQ(s[0].shape(), (Shape{3}));
  EXPECT_EQ(to_vector(s[0]), (F{3, 4, 5}));
  // Constant indices are checked at compile time, run-time ones by the kernel.
  EXPECT_EQ(error_of([&] { run_op("Gather", in(x, ints({2}))); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(to_vector(run_with_runtime_inputs("Gather", in(x, ints({-2})), {false, true})[0]), (F{0, 1, 2}));
  try {
    run_with_runtime_inputs("Gather", in(x, ints({0, 3})), {false, true}, {attr_int("axis", 1)});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("rt_Gather"), std::string::npos) << e.what();
  }
}

TEST(RefShapeGather, GatherElements) {
  Tensor x = make_f32(Shape{2, 3}, iota(6));
  auto g = run_op("GatherElements", in(x, make_i64(Shape{2, 2}, {2, -3, 1, 1})), {attr_int("axis", 1)});
  EXPECT_EQ(to_vector(g[0]), (F{2, 0, 4, 4}));
  auto h = run_op("GatherElements", in(x, make_i32(Shape{1, 3}, {1, 0, 1})), {attr_int("axis", -2)});
  EXPECT_EQ(to_vector(h[0]), (F{3, 1, 5}));
  EXPECT_EQ(error_of([&] { run_op("GatherElements", in(x, make_i64(Shape{3, 1}, {0, 0, 0})), {attr_int("axis", 1)}); }),
            ErrorKind::kInvalidModel);  // 3 rows of a 2-row data
  EXPECT_EQ(error_of([&] {
              run_with_runtime_inputs("GatherElements", in(x, make_i64(Shape{1, 1}, {3})), {false, true}, {attr_int("axis", 1)});
            }),
            ErrorKind::kInvalidArgument);
}

TEST(RefShapeGather, GatherNDWithBatchDims) {
  Tensor x = make_f32(Shape{2, 2, 2}, iota(8));
  auto a = run_op("GatherND", in(x, make_i64(Shape{2, 2}, {0, 1, 1, -1})));
  EXPECT_EQ(a[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(to_vector(a[0]), (F{2, 3, 6, 7}));
  auto b = run_op("GatherND", in(x, make_i64(Shape{2, 3}, {0, 0, 1, 1, 1, 0})));
  EXPECT_EQ(to_vector(b[0]), (F{1, 6}));
  // batch_dims=1: batch 0 picks row 1, batch 1 picks row 0.
  auto c = run_op("GatherND", in(x, make_i64(Shape{2, 1}, {1, 0})), {attr_int("batch_dims", 1)});
  EXPECT_EQ(c[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(to_vector(c[0]), (F{2, 3, 4, 5}));
  EXPECT_EQ(error_of([&] { run_op("GatherND", in(x, make_i64(Shape{1, 4}, {0, 0, 0, 0}))); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_with_runtime_inputs("GatherND", in(x, make_i64(Shape{1, 2}, {0, 2})), {false, true}); }),
            ErrorKind::kInvalidArgument);
}

// ---- Scatter family -----------------------------------------------------------------------------

TEST(RefShapeScatter, ScatterElementsReductionsAndDuplicates) {
  Tensor x = make_f32(Shape{2, 3}, {1, 1, 1, 1, 1, 1});
  Tensor idx = make_i64(Shape{2, 2}, {0, 0, -1, 1});
  Tensor upd = make_f32(Shape{2, 2}, {2, 3, 4, 5});
  EXPECT_EQ(to_vector(run_op("ScatterElements", in(x, idx, upd), {attr_int("axis", 1)}, 1, 18)[0]), (F{3, 1, 1, 1, 5, 4}));
  EXPECT_EQ(to_vector(run_op("ScatterElements", in(x, idx, upd), {attr_int("axis", 1), attr_string("reduction", "add")}, 1, 18)[0]),
            (F{6, 1, 1, 1, 6, 5}));
  EXPECT_EQ(to_vector(run_op("ScatterElements", in(x, idx, upd), {attr_int("axis", 1), attr_string("reduction", "mul")}, 1, 18)[0]),
            (F{6, 1, 1, 1, 5, 4}));
  EXPECT_EQ(to_vector(run_op("ScatterElements", in(x, idx, upd), {attr_int("axis", 1), attr_string("reduction", "min")}, 1, 18)[0]),
            (F{1, 1, 1, 1, 1, 1}));
  // axis 0, and the deprecated Scatter spelling.
  Tensor i0 = make_i64(Shape{1, 3}, {1, 0, 1});
  Tensor u0 = make_f32(Shape{1, 3}, {7, 8, 9});
  EXPECT_EQ(to_vector(run_op("Scatter", in(x, i0, u0), {}, 1, 10)[0]), (F{1, 8, 1, 7, 1, 9}));
  EXPECT_EQ(error_of([&] { run_op("ScatterElements", in(x, idx, upd), {attr_string("reduction", "avg")}, 1, 18); }), ErrorKind::kUnsupported);
  EXPECT_EQ(error_of([&] { run_op("ScatterElements", in(x, idx, make_f32(Shape{1, 2}, {1, 2})), {}, 1, 18); }), ErrorKind::kInvalidModel);
}

TEST(RefShapeScatter, ScatterND) {
  Tensor x = make_f32(Shape{4}, {1, 2, 3, 4});
  Tensor idx = make_i64(Shape{3, 1}, {3, -3, 3});
  Tensor upd = make_f32(Shape{3}, {10, 20, 30});
  EXPECT_EQ(to_vector(run_op("ScatterND", in(x, idx, upd), {}, 1, 18)[0]), (F{1, 20, 3, 30}));  // duplicates: last wins
  EXPECT_EQ(to_vector(run_op("ScatterND", in(x, idx, upd), {attr_string("reduction", "add")}, 1, 18)[0]), (F{1, 22, 3, 44}));
  EXPECT_EQ(to_vector(run_op("ScatterND", in(x, idx, upd), {attr_string("reduction", "max")}, 1, 18)[0]), (F{1, 20, 3, 30}));
  // Whole rows of a matrix.
  Tensor m = make_f32(Shape{3, 2}, iota(6));
  auto r = run_op("ScatterND", in(m, make_i64(Shape{1, 1}, {1}), make_f32(Shape{1, 2}, {-1, -2})), {}, 1, 16);
  EXPECT_EQ(to_vector(r[0]), (F{0, 1, -1, -2, 4, 5}));
  EXPECT_EQ(error_of([&] { run_op("ScatterND", in(m, make_i64(Shape{1, 1}, {1}), make_f32(Shape{1, 3}, {1, 2, 3})), {}, 1, 16); }),
            ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] {
              run_with_runtime_inputs("ScatterND", in(m, make_i64(Shape{1, 1}, {3}), make_f32(Shape{1, 2}, {1, 2})), {false, true});
            }),
            ErrorKind::kInvalidArgument);
}

// ---- OneHot, Trilu, EyeLike, ConstantOfShape, Range ---------------------------------------------

TEST(RefShapeFill, OneHotAxisNegativeAndOutOfRange) {
  Tensor idx = make_i64(Shape{3}, {0, -1, 5});
  Tensor depth = make_f32(Shape{}, {3.f});
  Tensor values = make_f32(Shape{2}, {-1, 7});
  auto y = run_op("OneHot", in(idx, depth, values), {}, 1, 11);
  EXPECT_EQ(y[0].shape(), (Shape{3, 3}));
  EXPECT_EQ(to_vector(y[0]), (F{7, -1, -1, -1, -1, 7, -1, -1, -1}));
  auto z = run_op("OneHot", in(make_f32(Shape{2}, {1.9f, 0.f}), scalar_i64(2), values), {attr_int("axis", 0)}, 1, 11);
  EXPECT_EQ(z[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(to_vector(z[0]), (F{-1, 7, 7, -1}));  // 1.9 truncates to 1; output[depth][i]
  EXPECT_EQ(error_of([&] { run_op("OneHot", in(idx, scalar_i64(0), values), {}, 1, 11); }), ErrorKind::kInvalidModel);
}

TEST(RefShapeFill, TriluUpperLowerWithK) {
  Tensor x = make_f32(Shape{3, 4}, iota(12, 1));
  EXPECT_EQ(to_vector(run_op("Trilu", in(x))[0]), (F{1, 2, 3, 4, 0, 6, 7, 8, 0, 0, 11, 12}));
  EXPECT_EQ(to_vector(run_op("Trilu", in(x, scalar_i64(-1)), {attr_int("upper", 0)})[0]), (F{0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0}));
  EXPECT_EQ(to_vector(run_op("Trilu", in(x, scalar_i64(2)))[0]), (F{0, 0, 3, 4, 0, 0, 0, 8, 0, 0, 0, 0}));
  EXPECT_EQ(to_vector(run_op("Trilu", in(x, scalar_i64(9)), {attr_int("upper", 0)})[0]), iota(12, 1));
  // Batched: every trailing matrix.
  Tensor b = make_f32(Shape{2, 2, 2}, iota(8, 1));
  EXPECT_EQ(to_vector(run_op("Trilu", in(b), {attr_int("upper", 0)})[0]), (F{1, 0, 3, 4, 5, 0, 7, 8}));
  EXPECT_EQ(error_of([&] { run_op("Trilu", in(make_f32(Shape{3}, {1, 2, 3}))); }), ErrorKind::kInvalidModel);
}

TEST(RefShapeFill, EyeLikeDtypeAndOffset) {
  Tensor x(DType::kF32, Shape{2, 3});
  auto e = run_op("EyeLike", in(x), {attr_int("k", 1), attr_int("dtype", 7)});
  EXPECT_EQ(e[0].dtype(), DType::kI64);
  EXPECT_EQ(to_i64(e[0]), (I{0, 1, 0, 0, 0, 1}));
  auto h = run_op("EyeLike", in(x), {attr_int("k", -1), attr_int("dtype", 10)});
  const uint16_t* hp = static_cast<const uint16_t*>(h[0].data());
  EXPECT_EQ(hp[3], 0x3c00);  // 1.0 in IEEE half
  EXPECT_EQ(hp[0], 0);
  EXPECT_EQ(error_of([&] { run_op("EyeLike", in(x), {attr_int("dtype", 16)}); }), ErrorKind::kUnsupported);  // bfloat16
  EXPECT_EQ(error_of([&] { run_op("EyeLike", in(Tensor(DType::kF32, Shape{2, 2, 2}))); }), ErrorKind::kInvalidModel);
}

TEST(RefShapeFill, ConstantOfShapeAndRange) {
  auto z = run_op("ConstantOfShape", in(ints({2, 1})));
  EXPECT_EQ(z[0].dtype(), DType::kF32);
  EXPECT_EQ(to_vector(z[0]), (F{0, 0}));
  auto s = run_op("ConstantOfShape", in(ints({})), {attr_tensor("value", make_i64(Shape{1}, {7}))});
  EXPECT_EQ(s[0].shape(), Shape{});
  EXPECT_EQ(to_i64(s[0]), (I{7}));
  EXPECT_EQ(error_of([&] { run_op("ConstantOfShape", in(ints({-1}))); }), ErrorKind::kInvalidModel);

  EXPECT_EQ(to_i64(run_op("Range", in(scalar_i64(10), scalar_i64(1), scalar_i64(-3)))[0]), (I{10, 7, 4}));
  EXPECT_EQ(run_op("Range", in(scalar_i64(1), scalar_i64(1), scalar_i64(1)))[0].numel(), 0);
  EXPECT_EQ(to_vector(run_op("Range", in(make_f32(Shape{}, {0.5f}), make_f32(Shape{}, {2}), make_f32(Shape{}, {0.5f})))[0]),
            (F{0.5f, 1, 1.5f}));
  Tensor s16(DType::kI16, Shape{}), l16(DType::kI16, Shape{}), d16(DType::kI16, Shape{});
  *s16.as<int16_t>() = -5, *l16.as<int16_t>() = 4, *d16.as<int16_t>() = 4;
  auto r16 = run_op("Range", in(s16, l16, d16));
  ASSERT_EQ(r16[0].numel(), 3);
  EXPECT_EQ(r16[0].as<int16_t>()[2], 3);  // -5, -1, 3
  EXPECT_EQ(error_of([&] { run_op("Range", in(scalar_i64(0), scalar_i64(1), scalar_i64(0))); }), ErrorKind::kInvalidModel);
}

// ---- Pad, CenterCropPad, Tile, DepthToSpace, ReverseSequence -------------------------------------

TEST(RefShapePad, ModesAxesAndNegativePads) {
  Tensor x = make_f32(Shape{2, 3}, iota(6, 1));  // [[1 2 3] [4 5 6]]
  // axes input (opset 18): pad only the last axis, 1 before and 2 after.
  auto c = run_op("Pad", in(x, ints({1, 2}), make_f32(Shape{}, {9}), ints({-1})), {}, 1, 18);
  EXPECT_EQ(c[0].shape(), (Shape{2, 6}));
  EXPECT_EQ(to_vector(c[0]), (F{9, 1, 2, 3, 9, 9, 9, 4, 5, 6, 9, 9}));
  auto e = run_op("Pad", in(x, ints({1, 0, 0, 1})), {attr_string("mode", "edge")});
  EXPECT_EQ(to_vector(e[0]), (F{1, 2, 3, 3, 1, 2, 3, 3, 4, 5, 6, 6}));
  // Reflect wider than the axis follows numpy: [1 2 3] padded 4 left -> 3 2 1 2 | 1 2 3 ...
  auto r = run_op("Pad", in(make_f32(Shape{3}, {1, 2, 3}), ints({4, 3})), {attr_string("mode", "reflect")});
  EXPECT_EQ(to_vector(r[0]), (F{1, 2, 3, 2, 1, 2, 3, 2, 1, 2}));
  auto w = run_op("Pad", in(x, ints({0, 2, 1, 0})), {attr_string("mode", "wrap")}, 1, 19);
  EXPECT_EQ(to_vector(w[0]), (F{2, 3, 1, 2, 3, 5, 6, 4, 5, 6, 2, 3, 1, 2, 3}));
  // Negative pads crop: drop the first column, add one zero column at the end.
  auto n = run_op("Pad", in(x, ints({0, -1, 0, 1})));
  EXPECT_EQ(to_vector(n[0]), (F{2, 3, 0, 5, 6, 0}));
  EXPECT_EQ(error_of([&] { run_op("Pad", in(x, ints({0, 1, 0, 1})), {attr_string("mode", "mirror")}); }), ErrorKind::kUnsupported);
  EXPECT_EQ(error_of([&] { run_op("Pad", in(x, ints({1, 1}))); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_op("Pad", in(x, ints({0, -4, 0, 0}))); }), ErrorKind::kInvalidModel);
}

TEST(RefShapePad, CenterCropPad) {
  Tensor x = make_f32(Shape{3, 4}, iota(12));
  // Rows 3 -> 2 crops floor(1/2)=0 from the start; columns 4 -> 7 pads 1 before and 2 after.
  auto y = run_op("CenterCropPad", in(x, ints({2, 7})), {}, 1, 18);
  EXPECT_EQ(y[0].shape(), (Shape{2, 7}));
  EXPECT_EQ(to_vector(y[0]), (F{0, 0, 1, 2, 3, 0, 0, 0, 4, 5, 6, 7, 0, 0}));
  auto z = run_op("CenterCropPad", in(x, ints({1})), {attr_ints("axes", {-2})}, 1, 18);
  EXPECT_EQ(to_vector(z[0]), (F{4, 5, 6, 7}));
}

TEST(RefShapeTile, RepeatsIncludingZero) {
  Tensor x = make_f32(Shape{2, 2}, {1, 2, 3, 4});
  auto t = run_op("Tile", in(x, ints({2, 3})));
  EXPECT_EQ(t[0].shape(), (Shape{4, 6}));
  EXPECT_EQ(to_vector(t[0]), (F{1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}));
  EXPECT_EQ(run_op("Tile", in(x, ints({0, 1})))[0].shape(), (Shape{0, 2}));
  EXPECT_EQ(error_of([&] { run_op("Tile", in(x, ints({2}))); }), ErrorKind::kInvalidModel);
}

TEST(RefShapeDepthSpace, DcrCrdAndRoundTrip) {
  Tensor x = make_f32(Shape{1, 4, 1, 2}, iota(8));  // channels c*2 + w
  auto dcr = run_op("DepthToSpace", in(x), {attr_int("blocksize", 2)});
  EXPECT_EQ(dcr[0].shape(), (Shape{1, 1, 2, 4}));
  // DCR: out[h*2+b1][w*2+b2] = x[(b1*2+b2)][h][w]
  EXPECT_EQ(to_vector(dcr[0]), (F{0, 2, 1, 3, 4, 6, 5, 7}));
  auto crd = run_op("DepthToSpace", in(x), {attr_int("blocksize", 2), attr_string("mode", "CRD")});
  EXPECT_EQ(to_vector(crd[0]), (F{0, 2, 1, 3, 4, 6, 5, 7}));  // C'=1: both modes agree
  Tensor y = make_f32(Shape{1, 8, 1, 1}, iota(8));
  auto d2 = run_op("DepthToSpace", in(y), {attr_int("blocksize", 2)});
  EXPECT_EQ(to_vector(d2[0]), (F{0, 2, 4, 6, 1, 3, 5, 7}));  // channel (b1*2+b2)*2 + c
  auto c2 = run_op("DepthToSpace", in(y), {attr_int("blocksize", 2), attr_string("mode", "CRD")});
  EXPECT_EQ(to_vector(c2[0]), (F{0, 1, 2, 3, 4, 5, 6, 7}));  // channel c*4 + b1*2 + b2
  auto back = run_op("SpaceToDepth", in(d2[0]), {attr_int("blocksize", 2)});
  EXPECT_EQ(to_vector(back[0]), iota(8));
  EXPECT_EQ(error_of([&] { run_op("DepthToSpace", in(x), {attr_int("blocksize", 2), attr_string("mode", "XYZ")}); }), ErrorKind::kUnsupported);
  EXPECT_EQ(error_of([&] { run_op("DepthToSpace", in(x), {attr_int("blocksize", 3)}); }), ErrorKind::kInvalidModel);
}

TEST(RefShapeReverseSequence, BatchAndTimeAxes) {
  Tensor x = make_f32(Shape{3, 2}, iota(6));  // [time, batch]
  auto y = run_op("ReverseSequence", in(x, ints({3, 1})));
  EXPECT_EQ(to_vector(y[0]), (F{4, 1, 2, 3, 0, 5}));
  auto z = run_op("ReverseSequence", in(x, ints({2, 0, 1})), {attr_int("batch_axis", 0), attr_int("time_axis", 1)});
  EXPECT_EQ(to_vector(z[0]), (F{1, 0, 2, 3, 4, 5}));
  EXPECT_EQ(error_of([&] { run_op("ReverseSequence", in(x, ints({4, 1}))); }), ErrorKind::kInvalidModel);
  EXPECT_EQ(error_of([&] { run_with_runtime_inputs("ReverseSequence", in(x, ints({4, 1})), {false, true}); }),
            ErrorKind::kInvalidArgument);
}

// ---- strided copy engine against naive loops ---------------------------------------------------

// Index helpers for the naive oracles.
std::vector<int64_t> unravel(int64_t i, const Shape& s) {
  std::vector<int64_t> idx(static_cast<size_t>(s.rank()));
  for (int d = s.rank() - 1; d >= 0; --d) idx[static_cast<size_t>(d)] = i % s[d], i /= s[d];
  return idx;
}
int64_t ravel(const std::vector<int64_t>& idx, const Shape& s) {
  int64_t o = 0;
  for (int d = 0; d < s.rank(); ++d) o = o * s[d] + idx[static_cast<size_t>(d)];
  return o;
}

// Runs `op` on an i64 iota (each element its own flat index) and checks every element size by
// running the same op on tensors of each dtype whose elements encode the index.
void expect_all_dtypes_agree(const std::string& op, const Shape& s, const std::vector<Tensor>& rest, const std::vector<Attribute>& attrs,
                             const std::vector<int64_t>& ids, int opset = 17) {
  for (DType t : {DType::kU8, DType::kF16, DType::kI32, DType::kF64, DType::kBool}) {
    Tensor x(t, s);
    const size_t es = dtype_size(t);
    for (int64_t i = 0; i < x.numel(); ++i) {
      uint64_t v = t == DType::kBool ? static_cast<uint64_t>(i % 2) : static_cast<uint64_t>(i * 2654435761u);
      std::memcpy(static_cast<char*>(x.data()) + i * es, &v, es);
    }
    std::vector<Tensor> ins;
    ins.push_back(Tensor::copy_of(x.view()));
    for (const Tensor& r : rest) ins.push_back(r.dtype() == DType::kUndefined ? Tensor() : Tensor::copy_of(r.view()));
    auto y = run_op(op, ins, attrs, 1, opset);
    ASSERT_EQ(y[0].numel(), static_cast<int64_t>(ids.size()));
    for (int64_t i = 0; i < y[0].numel(); ++i) {
      uint64_t want = 0, got = 0;
      const int64_t src = ids[static_cast<size_t>(i)];
      uint64_t v = t == DType::kBool ? static_cast<uint64_t>(src % 2) : static_cast<uint64_t>(src * 2654435761u);
      std::memcpy(&want, &v, es);
      std::memcpy(&got, static_cast<const char*>(y[0].data()) + i * es, es);
      ASSERT_EQ(got, want) << op << " " << dtype_name(t) << " at " << i;
    }
  }
}

Shape random_shape(std::mt19937& rng, int rank, int64_t max_dim) {
  std::uniform_int_distribution<int64_t> d(1, max_dim);
  Shape s;
  for (int i = 0; i < rank; ++i) s.push_back(d(rng));
  return s;
}

TEST(RefShapeEngine, TransposeMatchesNaiveOnOddShapes) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 40; ++trial) {
    const int rank = 1 + trial % 5;
    Shape s = random_shape(rng, rank, trial % 3 == 0 ? 37 : 6);
    std::vector<int64_t> perm(static_cast<size_t>(rank));
    for (int i = 0; i < rank; ++i) perm[static_cast<size_t>(i)] = i;
    std::shuffle(perm.begin(), perm.end(), rng);
    Shape out;
    for (int64_t p : perm) out.push_back(s[static_cast<int>(p)]);
    std::vector<int64_t> want(static_cast<size_t>(out.numel()));
    for (int64_t i = 0; i < out.numel(); ++i) {
      auto oi = unravel(i, out);
      std::vector<int64_t> ii(static_cast<size_t>(rank));
      for (int d = 0; d < rank; ++d) ii[static_cast<size_t>(perm[static_cast<size_t>(d)])] = oi[static_cast<size_t>(d)];
      want[static_cast<size_t>(i)] = ravel(ii, s);
    }
    auto y = run_op("Transpose", in(iota_i64(s)), {attr_ints("perm", perm)});
    ASSERT_EQ(y[0].shape(), out);
    ASSERT_EQ(to_i64(y[0]), want) << "shape " << s.str() << " trial " << trial;
    if (trial % 4 == 0) expect_all_dtypes_agree("Transpose", s, {}, {attr_ints("perm", perm)}, want);
  }
  // A large 2-D transpose goes through the tiled, multi-threaded path.
  Shape big{131, 517};
  auto y = run_op("Transpose", in(iota_i64(big)));
  const int64_t* p = y[0].as<int64_t>();
  for (int64_t j = 0; j < 517; ++j)
    for (int64_t i = 0; i < 131; ++i) ASSERT_EQ(p[j * 131 + i], i * 517 + j);
}

// Indices a slice picks along one axis, straight from the ONNX definition.
std::vector<int64_t> slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  std::vector<int64_t> v;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    for (int64_t i = start; i < end; i += step) v.push_back(i);
  } else {
    start = std::clamp<int64_t>(start, 0, dim - 1);
    end = std::clamp<int64_t>(end, -1, dim - 1);
    for (int64_t i = start; i > end; i += step) v.push_back(i);
  }
  return v;
}

TEST(RefShapeEngine, SliceMatchesNaive) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int64_t> pos(-9, 9), stepd(-3, 3);
  for (int trial = 0; trial < 60; ++trial) {
    const int rank = 1 + trial % 4;
    Shape s = random_shape(rng, rank, 7);
    std::vector<int64_t> starts, ends, axes, steps;
    std::vector<std::vector<int64_t>> picks(static_cast<size_t>(rank));
    for (int d = 0; d < rank; ++d) picks[static_cast<size_t>(d)] = slice_axis(s[d], 0, s[d], 1);
    for (int d = 0; d < rank; ++d) {
      if (rng() % 3 == 0) continue;  // axis left whole
      int64_t st = stepd(rng);
      if (st == 0) st = 1;
      const int64_t a = pos(rng), b = rng() % 5 == 0 ? (st > 0 ? kMax : kMin) : pos(rng);
      starts.push_back(a), ends.push_back(b), steps.push_back(st);
      axes.push_back(rng() % 2 ? d : d - rank);
      picks[static_cast<size_t>(d)] = slice_axis(s[d], a, b, st);
    }
    Shape out;
    for (auto& p : picks) out.push_back(static_cast<int64_t>(p.size()));
    std::vector<int64_t> want;
    for (int64_t i = 0; i < out.numel(); ++i) {
      auto oi = unravel(i, out);
      std::vector<int64_t> ii(static_cast<size_t>(rank));
      for (int d = 0; d < rank; ++d) ii[static_cast<size_t>(d)] = picks[static_cast<size_t>(d)][static_cast<size_t>(oi[static_cast<size_t>(d)])];
      want.push_back(ravel(ii, s));
    }
    auto y = run_op("Slice", in(iota_i64(s), ints(starts), ints(ends), ints(axes), ints(steps)));
    ASSERT_EQ(y[0].shape(), out) << "trial " << trial;
    ASSERT_EQ(to_i64(y[0]), want) << "trial " << trial;
    if (trial % 6 == 0) expect_all_dtypes_agree("Slice", s, in(ints(starts), ints(ends), ints(axes), ints(steps)), {}, want);
  }
}

TEST(RefShapeEngine, TileAndPadMatchNaive) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 30; ++trial) {
    const int rank = 1 + trial % 4;
    Shape s = random_shape(rng, rank, 5);
    std::vector<int64_t> reps;
    Shape out;
    for (int d = 0; d < rank; ++d) reps.push_back(static_cast<int64_t>(rng() % 4)), out.push_back(s[d] * reps.back());
    std::vector<int64_t> want;
    for (int64_t i = 0; i < out.numel(); ++i) {
      auto oi = unravel(i, out);
      for (int d = 0; d < rank; ++d) oi[static_cast<size_t>(d)] %= s[d];
      want.push_back(ravel(oi, s));
    }
    auto y = run_op("Tile", in(iota_i64(s), ints(reps)));
    ASSERT_EQ(y[0].shape(), out);
    ASSERT_EQ(to_i64(y[0]), want) << "trial " << trial;
    if (trial % 5 == 0) expect_all_dtypes_agree("Tile", s, in(ints(reps)), {}, want);
  }
  // Pad in every mode against the numpy definitions (edge clamps, wrap is modular, reflect mirrors
  // with period 2(n-1)); negative pads crop first.
  for (const char* mode : {"edge", "wrap", "reflect"}) {
    for (int trial = 0; trial < 20; ++trial) {
      const int rank = 1 + trial % 3;
      Shape s = random_shape(rng, rank, 5);
      std::vector<int64_t> pads(static_cast<size_t>(2 * rank));
      Shape out;
      for (int d = 0; d < rank; ++d) {
        int64_t b = static_cast<int64_t>(rng() % 7) - 1, e = static_cast<int64_t>(rng() % 7) - 1;
        if (s[d] <= 2) b = std::max<int64_t>(b, 0), e = std::max<int64_t>(e, 0);  // keep something to pad from
        pads[static_cast<size_t>(d)] = b, pads[static_cast<size_t>(d + rank)] = e;
        out.push_back(s[d] + b + e);
      }
      std::vector<int64_t> want;
      for (int64_t i = 0; i < out.numel(); ++i) {
        auto oi = unravel(i, out);
        std::vector<int64_t> ii(static_cast<size_t>(rank));
        for (int d = 0; d < rank; ++d) {
          const int64_t b = pads[static_cast<size_t>(d)], e = pads[static_cast<size_t>(d + rank)];
          const int64_t lo = std::max<int64_t>(0, -b), n = s[d] - lo - std::max<int64_t>(0, -e);
          int64_t j = oi[static_cast<size_t>(d)] - std::max<int64_t>(0, b);
          if (std::string(mode) == "edge") {
            j = std::clamp<int64_t>(j, 0, n - 1);
          } else if (std::string(mode) == "wrap") {
            j = ((j % n) + n) % n;
          } else {
            while (j < 0 || j >= n) {  // numpy reflects repeatedly
              if (n == 1) j = 0;
              else if (j < 0) j = -j;
              else j = 2 * (n - 1) - j;
            }
          }
          ii[static_cast<size_t>(d)] = lo + j;
        }
        want.push_back(ravel(ii, s));
      }
      auto y = run_op("Pad", in(iota_i64(s), ints(pads)), {attr_string("mode", mode)}, 1, 19);
      ASSERT_EQ(y[0].shape(), out);
      ASSERT_EQ(to_i64(y[0]), want) << mode << " trial " << trial << " shape " << s.str();
      if (trial % 7 == 0) expect_all_dtypes_agree("Pad", s, in(ints(pads)), {attr_string("mode", mode)}, want, 19);
    }
  }
}

TEST(RefShapeEngine, ConcatSplitGatherLargeAndDtypes) {
  // Bigger than one parallel chunk, with rows that are not multiples of anything.
  Shape s{3, 257, 129};
  Tensor x = iota_i64(s);
  auto c = run_op("Concat", in(x, x), {attr_int("axis", 1)});
  const int64_t* cp = c[0].as<int64_t>();
  for (int64_t a = 0; a < 3; ++a)
    for (int64_t b = 0; b < 514; ++b)
      for (int64_t k = 0; k < 129; k += 31) ASSERT_EQ(cp[(a * 514 + b) * 129 + k], (a * 257 + b % 257) * 129 + k);
  auto parts = run_op("Split", in(c[0], ints({100, 414})), {attr_int("axis", 1)}, 2, 13);
  EXPECT_EQ(parts[0].shape(), (Shape{3, 100, 129}));
  EXPECT_EQ(parts[1].as<int64_t>()[0], 100 * 129);
  auto g = run_op("Gather", in(x, ints({256, 0, -1})), {attr_int("axis", 1)});
  EXPECT_EQ(g[0].shape(), (Shape{3, 3, 129}));
  EXPECT_EQ(g[0].as<int64_t>()[(2 * 3 + 1) * 129 + 5], (2 * 257 + 0) * 129 + 5);
  expect_all_dtypes_agree("Gather", Shape{4, 3}, in(ints({3, -4, 1})), {attr_int("axis", 0)}, {9, 10, 11, 0, 1, 2, 3, 4, 5});
  expect_all_dtypes_agree("DepthToSpace", Shape{1, 4, 1, 2}, {}, {attr_int("blocksize", 2)}, {0, 2, 1, 3, 4, 6, 5, 7});
}

}  // namespace
}  // namespace edgewm
