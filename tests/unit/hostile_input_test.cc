// Regression tests for "Bad input never crashes": each input below once crashed, hung or gave a
// wrong answer; now it must give a clear edgewm::Error (or the right answer). The inputs are
// made here, small.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "compiler/compile.h"
#include "diffusion/noise_schedule.h"
#include "edgewm/error.h"
#include "edgewm/model.h"
#include "edgewm/session.h"
#include "format/ewm_writer.h"
#include "io/npy.h"
#include "onnx_builder.h"
#include "op_test_util.h"

namespace edgewm {
namespace {

using namespace edgewm::testing;

// What compiling the model says, or "" when it compiles.
std::string compile_error(const OnnxBuilder& b, ErrorKind* kind = nullptr) {
  try {
    compile_imported(import_onnx_bytes(b.bytes(), "."));
  } catch (const Error& e) {
    if (kind) *kind = e.kind();
    return e.what();
  }
  return "";
}

template <class T> Tensor scalar_of(DType t, T v) {
  Tensor x(t, Shape{});
  *static_cast<T*>(x.data()) = v;
  return x;
}

template <class T> std::vector<T> values(const Tensor& t) {
  const T* p = static_cast<const T*>(t.data());
  return std::vector<T>(p, p + t.numel());
}

// ---- 1. sizes that wrap 2^64 in constant folding -------------------------------------------

TEST(HostileInput, IntegerRangeWithAHugeCountIsRefused) {
  OnnxBuilder b;
  b.output("y");
  b.initializer("start", make_i64(Shape{}, {0}));
  b.initializer("limit", make_i64(Shape{}, {std::numeric_limits<int64_t>::max()}));
  b.initializer("delta", make_i64(Shape{}, {1}));
  b.node("Range", {"start", "limit", "delta"}, {"y"});
  ErrorKind kind{};
  const std::string err = compile_error(b, &kind);
  EXPECT_NE(err.find("too many elements"), std::string::npos) << err;
  EXPECT_NE(err.find("Range"), std::string::npos) << err;  // names the node
  EXPECT_EQ(kind, ErrorKind::kInvalidModel);
}

TEST(HostileInput, OutputsWhoseByteCountWrapsAreRefused) {
  // ConstantOfShape of 2^31 x 2^31 floats (2^64 bytes: wraps to 0), then Cos over it.
  {
    OnnxBuilder b;
    b.output("y");
    b.initializer("shape", make_i64(Shape{2}, {int64_t{1} << 31, int64_t{1} << 31}));
    b.node("ConstantOfShape", {"shape"}, {"c"});
    b.node("Cos", {"c"}, {"y"});
    const std::string err = compile_error(b);
    EXPECT_NE(err.find("larger than"), std::string::npos) << err;
  }
  // Expand to 2^62 elements.
  {
    OnnxBuilder b;
    b.output("y");
    b.initializer("x", make_f32(Shape{1}, {1}));
    b.initializer("shape", make_i64(Shape{2}, {int64_t{1} << 31, int64_t{1} << 31}));
    b.node("Expand", {"x", "shape"}, {"y"});
    const std::string err = compile_error(b);
    EXPECT_NE(err.find("larger than"), std::string::npos) << err;
  }
  // Pad growing a dimension to 2^62.
  {
    OnnxBuilder b;
    b.output("y");
    b.initializer("x", make_f32(Shape{1, 1}, {1}));
    b.initializer("pads", make_i64(Shape{4}, {0, 0, int64_t{1} << 61, int64_t{1} << 61}));
    b.node("Pad", {"x", "pads"}, {"y"});
    const std::string err = compile_error(b);
    EXPECT_NE(err.find("larger than"), std::string::npos) << err;
  }
}

TEST(HostileInput, AReshapeTargetWhoseProductOverflowsIsRefused) {  // found by fuzz_onnx_compile
  OnnxBuilder b;
  b.input("x", {1, 1024}).output("y");
  b.initializer("shape", make_i64(Shape{3}, {68961369260556289, 1024, -1}));
  b.node("Reshape", {"x", "shape"}, {"y"});
  const std::string err = compile_error(b);
  EXPECT_NE(err.find("too large"), std::string::npos) << err;
}

TEST(HostileInput, ResizeScalesBeyondAnyTensorAreRefused) {  // found by fuzz_ewm_load
  for (float scale : {1e20f, std::numeric_limits<float>::infinity()}) {
    OnnxBuilder b;  // once: floor(scale * dim) cast to int64 (undefined behaviour), then used
    b.input("x", {1, 1, 4, 4}).output("y");
    b.initializer("roi", make_f32(Shape{0}, {}));
    b.initializer("scales", make_f32(Shape{4}, {1, 1, scale, 1}));
    b.node("Resize", {"x", "roi", "scales"}, {"y"});
    const std::string err = compile_error(b);
    EXPECT_NE(err.find("larger than any tensor"), std::string::npos) << scale << ": " << err;
  }
}

TEST(HostileInput, ConvWindowsWhoseExtentOverflowsAreRefused) {  // found by fuzz_ewm_load
  Tensor x = make_f32(Shape{1, 1, 4, 4}, std::vector<float>(16, 1.f));
  const int64_t big = int64_t{1} << 62;
  try {  // in + pads wraps
    run_op("MaxPool", in(x), {attr_ints("kernel_shape", {2, 2}), attr_ints("pads", {big, 0, big, 0})});
    ADD_FAILURE() << "MaxPool accepted pads of 2^62";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("larger than any tensor"), std::string::npos) << e.what();
  }
  Tensor w3 = make_f32(Shape{1, 1, 3, 3}, std::vector<float>(9, 1.f));
  try {  // (kernel - 1) * dilation wraps
    run_op("Conv", in(x, w3), {attr_ints("dilations", {big, 1})});
    ADD_FAILURE() << "Conv accepted a dilation of 2^62";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("larger than any tensor"), std::string::npos) << e.what();
  }
  try {
    run_op("ConvTranspose", in(x, w3), {attr_ints("strides", {big, 1})});
    ADD_FAILURE() << "ConvTranspose accepted a stride of 2^62";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("larger than any tensor"), std::string::npos) << e.what();
  }
}

TEST(HostileInput, AGroupCountThatWrapsTheChannelProductIsRefused) {  // found by fuzz_ewm_load
  const int64_t group = 7308901763505979393;  // 4 * group wraps; 0 channels divide by anything
  Tensor x(DType::kF32, Shape{1, 0, 4, 4});
  Tensor w = make_f32(Shape{4, 4, 1, 1}, std::vector<float>(16, 1.f));
  for (const char* op : {"Conv", "ConvTranspose"}) {
    try {
      run_op(op, in(x, w), {attr_int("group", group)});
      ADD_FAILURE() << op << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel) << e.what();
    }
  }
}

TEST(HostileInput, AGraphInputLargerThanTheLimitIsRefused) {
  OnnxBuilder b;
  b.input("x", {int64_t{1} << 31, int64_t{1} << 31}).output("y");
  b.node("Relu", {"x"}, {"y"});
  const std::string err = compile_error(b);
  EXPECT_NE(err.find("input 'x' of shape 2147483648x2147483648 would be larger than"), std::string::npos) << err;
}

TEST(HostileInput, ATensorLargerThanTheLimitIsNeverAllocated) {
  try {
    Tensor t(DType::kF32, Shape{int64_t{1} << 31, int64_t{1} << 31});
    ADD_FAILURE() << "allocated";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kOutOfMemory);
    EXPECT_NE(std::string(e.what()).find("2147483648x2147483648"), std::string::npos) << e.what();
  }
  EXPECT_EQ((Shape{int64_t{1} << 40, int64_t{1} << 40}).checked_numel(), -1);
  EXPECT_EQ(checked_tensor_bytes(DType::kF32, Shape{(int64_t{1} << 34) + 1}), -1);  // just over 64 GiB
  EXPECT_EQ(checked_tensor_bytes(DType::kF32, Shape{1024, 1024}), 4 << 20);
}

// ---- 3. integer INT_MIN / -1 ---------------------------------------------------------------

TEST(HostileInput, IntegerMinDividedByMinusOneWrapsInsteadOfTrapping) {
  constexpr int64_t kMin64 = std::numeric_limits<int64_t>::min();
  Tensor a = make_i64(Shape{3}, {kMin64, 7, kMin64});
  Tensor m1 = make_i64(Shape{}, {-1});  // broadcast
  EXPECT_EQ(values<int64_t>(run_op("Div", in(a, m1))[0]), (std::vector<int64_t>{kMin64, -7, kMin64}));
  EXPECT_EQ(values<int64_t>(run_op("Mod", in(a, m1))[0]), (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(values<int64_t>(run_op("Mod", in(a, m1), {attr_int("fmod", 1)})[0]), (std::vector<int64_t>{0, 0, 0}));
  constexpr int32_t kMin32 = std::numeric_limits<int32_t>::min();
  Tensor a32(DType::kI32, Shape{2});
  a32.as<int32_t>()[0] = kMin32;
  a32.as<int32_t>()[1] = 9;
  Tensor b32 = scalar_of<int32_t>(DType::kI32, -1);
  EXPECT_EQ(values<int32_t>(run_op("Div", in(a32, b32))[0]), (std::vector<int32_t>{kMin32, -9}));
  EXPECT_EQ(values<int32_t>(run_op("Mod", in(a32, b32))[0]), (std::vector<int32_t>{0, 0}));
}

TEST(HostileInput, IntegerMinDividedByMinusOneIsFoldedToo) {
  OnnxBuilder b;
  b.output("y");
  b.initializer("a", make_i64(Shape{1}, {std::numeric_limits<int64_t>::min()}));
  b.initializer("b", make_i64(Shape{1}, {-1}));
  b.node("Div", {"a", "b"}, {"q"});
  b.node("Mod", {"a", "b"}, {"r"});
  b.node("Add", {"q", "r"}, {"y"});
  EXPECT_EQ(compile_error(b), "");
}

TEST(HostileInput, DepthToSpaceWithABlocksizeOf2To32IsRefused) {
  Tensor x = make_f32(Shape{1, 4, 2, 2}, std::vector<float>(16, 1.f));
  for (const char* op : {"DepthToSpace", "SpaceToDepth"}) {
    try {
      run_op(op, in(x), {attr_int("blocksize", int64_t{1} << 32)});
      ADD_FAILURE() << op << " accepted blocksize 2^32";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel) << e.what();
      EXPECT_NE(std::string(e.what()).find("divisible"), std::string::npos) << e.what();
    }
  }
}

// ---- 10. what the ONNX spec forbids is refused, not silently reinterpreted ----------------

TEST(HostileInput, MisspelledAttributesAndWrongInputCountsAreRefused) {
  {
    OnnxBuilder b;  // "stride" for "strides": once ran with stride 1
    b.input("x", {1, 1, 4, 4}).output("y");
    b.initializer("w", make_f32(Shape{1, 1, 1, 1}, {1}));
    auto& n = b.node("Conv", {"x", "w"}, {"y"});
    OnnxBuilder::ints_attr(n, "stride", {2, 2});
    const std::string err = compile_error(b);
    EXPECT_NE(err.find("Unrecognized attribute: stride for operator Conv"), std::string::npos) << err;
  }
  {
    OnnxBuilder b;  // Add with three inputs: once computed x + x
    b.input("x", {2}).output("y");
    b.node("Add", {"x", "x", "x"}, {"y"});
    const std::string err = compile_error(b);
    EXPECT_NE(err.find("input size 3 not in range [min=2, max=2]"), std::string::npos) << err;
  }
  {
    OnnxBuilder b;  // Relu with two inputs
    b.input("x", {2}).output("y");
    b.node("Relu", {"x", "x"}, {"y"});
    const std::string err = compile_error(b);
    EXPECT_NE(err.find("input size 2 not in range"), std::string::npos) << err;
  }
}

TEST(HostileInput, AnEdgewmOpWithAnUnknownAttributeIsRefusedOnLoad) {
  OnnxBuilder b;  // Conv + Relu: fused into edgewm.FusedConv with activation=relu
  b.input("x", {1, 2, 5, 5}).output("y");
  b.initializer("w", make_f32(Shape{2, 2, 1, 1}, {1, 0, 0, 1}));
  b.node("Conv", {"x", "w"}, {"c"});
  b.node("Relu", {"c"}, {"y"});
  CompiledModel m = compile_imported(import_onnx_bytes(b.bytes(), "."));
  Node* fused = nullptr;
  for (Node& n : m.graph.nodes)
    if (n.op_type == "FusedConv") fused = &n;
  ASSERT_NE(fused, nullptr);
  Attributes renamed;
  for (Attribute a : fused->attrs.all()) {
    if (a.name == "activation") a.name = "activatiom";  // one corrupted byte: once ran without the ReLU
    renamed.set(a);
  }
  fused->attrs = renamed;
  try {
    Model::from_bytes(m.serialize());
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown attribute 'activatiom'"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("<memory>", 0), 0u) << "names the model: " << e.what();
  }
}

TEST(HostileInput, OpsetsThatDoNotExistAreRefused) {
  for (int opset : {0, -5, 999}) {
    OnnxBuilder b(opset);
    b.input("x", {2}).output("y");
    b.node("Relu", {"x"}, {"y"});
    const std::string err = compile_error(b);
    EXPECT_NE(err.find("imports opset " + std::to_string(opset) + " of domain 'ai.onnx'"), std::string::npos) << err;
  }
}

TEST(HostileInput, ClipFollowsTheSpecWhenMinExceedsMaxOrABoundIsNaN) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = make_f32(Shape{4}, {-3, 0.5f, 7, nan});
  auto f32 = [](float v) { return make_f32(Shape{}, {v}); };
  // Min(max, Max(x, min)): min > max gives max everywhere (once: min below, max above).
  std::vector<float> y = values<float>(run_op("Clip", in(x, f32(2), f32(1)))[0]);
  EXPECT_EQ(y[0], 1.f);
  EXPECT_EQ(y[1], 1.f);
  EXPECT_EQ(y[2], 1.f);
  EXPECT_TRUE(std::isnan(y[3]));  // numpy.clip keeps a NaN input
  for (auto [lo, hi] : {std::pair{nan, 1.f}, std::pair{0.f, nan}}) {  // once: a NaN bound ignored
    y = values<float>(run_op("Clip", in(x, f32(lo), f32(hi)))[0]);
    for (float v : y) EXPECT_TRUE(std::isnan(v)) << lo << " " << hi << " -> " << v;
  }
  Tensor i = make_i64(Shape{3}, {-5, 3, 9});
  EXPECT_EQ(values<int64_t>(run_op("Clip", in(i, make_i64(Shape{}, {4}), make_i64(Shape{}, {2})))[0]),
            (std::vector<int64_t>{2, 2, 2}));
}

TEST(HostileInput, AClipFusedIntoAConvKeepsTheSpecsAnswer) {
  OnnxBuilder b;  // Conv + Clip(2, 1): fused into FusedConv's epilogue, which once gave min
  b.input("x", {1, 1, 2, 2}).output("y");
  b.initializer("w", make_f32(Shape{1, 1, 1, 1}, {1}));
  b.initializer("lo", make_f32(Shape{}, {2})).initializer("hi", make_f32(Shape{}, {1}));
  b.node("Conv", {"x", "w"}, {"c"});
  b.node("Clip", {"c", "lo", "hi"}, {"y"});
  CompiledModel compiled = compile_imported(import_onnx_bytes(b.bytes(), "."));
  bool fused = false;
  for (const Node& n : compiled.graph.nodes) fused = fused || n.op_type == "FusedConv";
  EXPECT_TRUE(fused) << "the test no longer covers the fused epilogue";
  auto model = Model::from_bytes(compiled.serialize());
  Session s(model, SessionOptions{1});
  Tensor x = make_f32(Shape{1, 1, 2, 2}, {-4, 0, 1.5f, 9});
  auto out = s.run({x.view()});
  EXPECT_EQ(values<float>(Tensor::copy_of(out[0])), (std::vector<float>{1, 1, 1, 1}));
}

TEST(HostileInput, EyeLikeWithAnExtremeDiagonalIsAllZeros) {
  Tensor x = make_f32(Shape{2, 3}, std::vector<float>(6, 5.f));
  for (int64_t k : {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), int64_t{-2}, int64_t{3}})
    EXPECT_EQ(values<float>(run_op("EyeLike", in(x), {attr_int("k", k)})[0]), std::vector<float>(6, 0.f)) << k;
  EXPECT_EQ(values<float>(run_op("EyeLike", in(x), {attr_int("k", -1)})[0]), (std::vector<float>{0, 0, 0, 1, 0, 0}));
}

TEST(HostileInput, IntegerPowIsExactAndWrapsAsNumPyDoes) {
  // Oracle: repeated multiplication in unsigned 64-bit arithmetic (numpy.power's wrap-around).
  auto naive = [](int64_t x, int n) {
    uint64_t r = 1;
    for (int i = 0; i < n; ++i) r *= static_cast<uint64_t>(x);
    return static_cast<int64_t>(r);
  };
  Tensor base = make_i64(Shape{4}, {3, 3, -7, 2});
  Tensor expo = make_i64(Shape{4}, {39, 41, 23, 64});  // 3^39 is exact only in integers; the rest wrap
  EXPECT_EQ(values<int64_t>(run_op("Pow", in(base, expo))[0]),
            (std::vector<int64_t>{naive(3, 39), naive(3, 41), naive(-7, 23), 0}));
  Tensor b32(DType::kI32, Shape{2});
  b32.as<int32_t>()[0] = 2;
  b32.as<int32_t>()[1] = -2;
  Tensor e32(DType::kI32, Shape{2});
  e32.as<int32_t>()[0] = 31;
  e32.as<int32_t>()[1] = 33;
  EXPECT_EQ(values<int32_t>(run_op("Pow", in(b32, e32))[0]), (std::vector<int32_t>{std::numeric_limits<int32_t>::min(), 0}));
  // Negative or float exponents go through double and saturate instead of an undefined cast.
  Tensor neg = make_i64(Shape{4}, {2, 1, -1, 0});
  EXPECT_EQ(values<int64_t>(run_op("Pow", in(neg, make_i64(Shape{}, {-3})))[0]),
            (std::vector<int64_t>{0, 1, -1, std::numeric_limits<int64_t>::max()}));
  EXPECT_EQ(values<int64_t>(run_op("Pow", in(make_i64(Shape{1}, {10}), make_f32(Shape{}, {30.5f})))[0]),
            (std::vector<int64_t>{std::numeric_limits<int64_t>::max()}));
}

TEST(HostileInput, DeclaredOutputTypesAndShapesMustMatchTheGraph) {
  auto model = [](std::vector<int64_t> dims, int elem) {
    OnnxBuilder b;
    b.input("x", {2, 3}).output("y", dims, elem);
    b.node("Relu", {"x"}, {"y"});
    return b;
  };
  EXPECT_EQ(compile_error(model({2, 3}, onnx::TensorProto::FLOAT)), "");
  EXPECT_EQ(compile_error(model({-1, 3}, onnx::TensorProto::FLOAT)), "");  // symbolic: anything
  ErrorKind kind{};
  std::string err = compile_error(model({2, 3}, onnx::TensorProto::INT64), &kind);
  EXPECT_EQ(kind, ErrorKind::kInvalidModel);
  EXPECT_NE(err.find("graph output 'y' is declared i64[2x3] but the graph computes f32[2x3]"), std::string::npos) << err;
  err = compile_error(model({3, 2}, onnx::TensorProto::FLOAT));
  EXPECT_NE(err.find("is declared f32[3x2]"), std::string::npos) << err;
  err = compile_error(model({2, 3, 1}, onnx::TensorProto::FLOAT));
  EXPECT_NE(err.find("is declared f32[2x3x1]"), std::string::npos) << err;
}

// ---- 9. model metadata (found by fuzz_metadata) ----------------------------------------

TEST(HostileInput, BetaSchedulesThatLeaveZeroToOneAreRefused) {
  diffusion::BetaSchedule s;
  EXPECT_NO_THROW(diffusion::alphas_cumprod(s));
  for (double end : {1.02, std::numeric_limits<double>::quiet_NaN(), -0.01, 0.0}) {
    s.beta_end = end;  // 1.02: once NaN timesteps cast to int64 (undefined behaviour)
    try {
      diffusion::alphas_cumprod(s);
      ADD_FAILURE() << "beta_end " << end << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("betas must lie in [0, 1)"), std::string::npos) << e.what();
    }
  }
  // Valid betas whose product underflows float32 (0.999 each), or leaves a denormal whose sigma
  // overflows it (linear to 0.2: found by fuzz_metadata): infinite sigmas, NaN timesteps.
  for (double start_end : {0.999, 0.2}) {
    s.beta_end = start_end;
    s.beta_start = start_end == 0.2 ? 1e-4 : start_end;
    try {
      diffusion::alphas_cumprod(s);
      ADD_FAILURE() << "accepted " << start_end;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("drives alphas_cumprod to 0"), std::string::npos) << e.what();
    }
  }
}

// ---- 7. a plan whose live buffers overlap -------------------------------------------------

TEST(HostileInput, APlanWhoseLiveSlotsOverlapIsRefusedOnLoad) {
  OnnxBuilder b;
  b.input("x", {64}).output("y");
  b.node("Relu", {"x"}, {"a"});
  b.node("Sigmoid", {"x"}, {"b"});
  b.node("Add", {"a", "b"}, {"y"});
  CompiledModel m = compile_imported(import_onnx_bytes(b.bytes(), "."));
  EXPECT_NO_THROW(Model::from_bytes(m.serialize()));
  auto id = [&](const char* name) {
    for (size_t v = 0; v < m.graph.values.size(); ++v)
      if (m.graph.values[v].name == name) return v;
    return size_t{0};
  };
  m.plan.value_offsets[id("b")] = m.plan.value_offsets[id("a")];  // both read by the Add
  try {
    Model::from_bytes(m.serialize());
    ADD_FAILURE() << "overlapping live slots accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel);
    EXPECT_NE(std::string(e.what()).find("overlap while both are live"), std::string::npos) << e.what();
  }
}

// ---- 5. a model file changed under a loaded model --------------------------------------------

TEST(HostileInput, ALoadedModelSurvivesItsFileBeingTruncatedOrRewritten) {
  OnnxBuilder b;
  b.input("x", {4}).output("y");
  b.initializer("w", make_f32(Shape{4}, {1, 2, 3, 4}));
  b.node("Mul", {"x", "w"}, {"y"});
  const std::string path = (std::filesystem::temp_directory_path() / ("edgewm_trunc_" + std::to_string(::getpid()) + ".ewm")).string();
  write_ewm_file(path, compile_imported(import_onnx_bytes(b.bytes(), ".")).serialize());
  auto model = Model::load(path);  // read into private memory (the default)
  std::filesystem::resize_file(path, 0);  // once a SIGBUS at the next run (mapped)
  Session s(model, SessionOptions{1});
  Tensor x = make_f32(Shape{4}, {1, 1, 1, 1});
  auto out = s.run({x.view()});
  const float* y = static_cast<const float*>(out[0].data);
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{1, 2, 3, 4}));
  try {
    Model::load(path);
    ADD_FAILURE() << "an empty file loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel) << e.what();
  }
  std::filesystem::remove(path);
}

// ---- 8. sizes declared by a file are checked against the data before allocating -----------

TEST(HostileInput, AnExternalInitializerDeclaringAGigabyteAllocatesNothingFirst) {
  OnnxBuilder b;
  b.input("x", {1}).output("y");
  b.node("Add", {"x", "w"}, {"y"});
  auto* w = b.proto().mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(int64_t{1} << 28);  // 1 GiB
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* loc = w->add_external_data();
  loc->set_key("location");
  loc->set_value("missing_weights.bin");
  struct rusage before {};
  ::getrusage(RUSAGE_SELF, &before);
  const std::string err = compile_error(b);
  struct rusage after {};
  ::getrusage(RUSAGE_SELF, &after);
  EXPECT_NE(err.find("missing_weights.bin"), std::string::npos) << err;
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 256 * 1024) << "KiB of peak RSS grown";  // not 1 GiB
  auto* off = w->add_external_data();
  off->set_key("offset");
  off->set_value("12abc");
  const std::string err2 = compile_error(b);
  EXPECT_NE(err2.find("external data offset '12abc' is not a byte count"), std::string::npos) << err2;
}

// ---- 2. .npy headers ---------------------------------------------------------------------

class NpyFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("edgewm_npy_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // A version-2 file (4-byte header length) with this header text and `data_bytes` of data.
  std::string write(const std::string& header, size_t data_bytes) {
    const std::string path = (dir_ / ("f" + std::to_string(n_++) + ".npy")).string();
    std::ofstream f(path, std::ios::binary);
    f.write("\x93NUMPY\x02\x00", 8);
    const uint32_t len = static_cast<uint32_t>(header.size());
    f.write(reinterpret_cast<const char*>(&len), 4);
    f << header;
    f << std::string(data_bytes, '\0');
    return path;
  }
  std::string error_of(const std::string& path) {
    try {
      load_npy(path);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  std::filesystem::path dir_;
  int n_ = 0;
};

TEST_F(NpyFiles, AHeaderOfHundredsOfKilobytesParses) {
  // Once std::regex, which recursed per character: a stack overflow past ~26 KB.
  const std::string h = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + std::string(300000, ' ') + "\n";
  Tensor t = load_npy(write(h, 24));
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
}

TEST_F(NpyFiles, HeadersNumPyWouldRejectAreRejected) {
  const std::pair<std::string, std::string> cases[] = {
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, -3, 4), }", "negative dimension"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, x3), }", "non-negative integer"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (64.0,), }", "must be an integer"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", "does not fit 64 bits"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } trailing", "after the header's closing brace"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "unexpected key 'extra'"},
      {"{'descr': \"x'shape': (5,)\", 'fortran_order': False}", "needs descr, fortran_order and shape"},
      {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}", "structured dtypes"},
      {"{'descr': '<f4', 'fortran_order': maybe, 'shape': (2,)}", "True or False"},
  };
  for (const auto& [header, want] : cases) {
    const std::string err = error_of(write(header + "\n", 64));
    EXPECT_NE(err.find(want), std::string::npos) << header << " -> " << err;
  }
}

TEST_F(NpyFiles, ADuplicateKeyKeepsItsLastValueAsNumPyDoes) {
  Tensor t = load_npy(write("{'descr': '<f8', 'descr': '<i4', 'fortran_order': False, 'shape': (3,), }\n", 12));
  EXPECT_EQ(t.dtype(), DType::kI32);
}

TEST_F(NpyFiles, DeclaredSizesAreCheckedAgainstTheFileBeforeAllocating) {
  // 2^28 floats declared, 16 bytes present: refused without a 1 GiB allocation.
  std::string err = error_of(write("{'descr': '<f4', 'fortran_order': False, 'shape': (268435456,), }\n", 16));
  EXPECT_NE(err.find("data is shorter than shape 268435456 needs (16 of 1073741824 bytes)"), std::string::npos) << err;
  err = error_of(write("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n", 16));
  EXPECT_NE(err.find("larger than any tensor"), std::string::npos) << err;
  err = error_of(write("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", 12));
  EXPECT_NE(err.find("4 bytes after the data"), std::string::npos) << err;
}

TEST_F(NpyFiles, AFifoIsRefusedInsteadOfBlocking) {
  const std::string fifo = (dir_ / "fifo.npy").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string err = error_of(fifo);  // once: blocked forever in open()
  EXPECT_NE(err.find("it is a FIFO"), std::string::npos) << err;
}

TEST_F(NpyFiles, AModelCardThatIsAFifoIsRefusedInsteadOfBlocking) {
  OnnxBuilder b;
  b.input("x", {2}).output("y");
  b.node("Relu", {"x"}, {"y"});
  const std::string onnx = (dir_ / "model.onnx").string();
  std::ofstream(onnx, std::ios::binary) << b.bytes();
  ASSERT_EQ(::mkfifo((dir_ / "model.json").c_str(), 0600), 0);
  try {
    compile_onnx_file(onnx);  // once: blocked forever reading model.json
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("FIFO"), std::string::npos) << e.what();
  }
}

// ---- 4-bit initializers: unpacked for DequantizeLinear only --------------------------------

// A 4-bit initializer (data_type 21 UINT4 / 22 INT4), two values a byte, low nibble first.
void add_4bit(OnnxBuilder& b, const std::string& name, int data_type, const std::vector<int64_t>& dims, const std::string& raw) {
  onnx::TensorProto* t = b.proto().mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(data_type);
  for (int64_t d : dims) t->add_dims(d);
  t->set_raw_data(raw);
}

TEST(HostileInput, FourBitWeightsDequantiseOnLoadAndNowhereElse) {
  // INT4 {1, -2, 7, -8, 3} (odd count: the last byte's high nibble is padding) -> DQ, scale 0.5.
  auto model = [](const char* op, const std::string& raw, bool int8_zp = false) {
    OnnxBuilder b(21);
    b.input("x", {5}).output("y");
    add_4bit(b, "w", 22, {5}, raw);
    b.initializer("s", make_f32(Shape{}, {0.5f}));
    if (std::string(op) == "DequantizeLinear") {
      if (int8_zp) b.initializer("z", scalar_of<int8_t>(DType::kI8, 0));
      b.node("DequantizeLinear", int8_zp ? std::vector<std::string>{"w", "s", "z"} : std::vector<std::string>{"w", "s"}, {"wf"});
      b.node("Add", {"x", "wf"}, {"y"});
    } else {
      b.node(op, {"x", "w"}, {"y"});  // the 4-bit values read as they are
    }
    return b;
  };
  const std::string raw = {static_cast<char>(0xE1), static_cast<char>(0x87), static_cast<char>(0x03)};
  ASSERT_EQ(compile_error(model("DequantizeLinear", raw)), "");
  auto m = Model::from_bytes(compile_imported(import_onnx_bytes(model("DequantizeLinear", raw).bytes(), ".")).serialize());
  Session s(m);
  Tensor x = make_f32(Shape{5}, {0, 0, 0, 0, 0});
  EXPECT_EQ(values<float>(Tensor::copy_of(s.run({x.view()})[0])), (std::vector<float>{0.5f, -1.f, 3.5f, -4.f, 1.5f}));
  ErrorKind kind{};
  std::string err = compile_error(model("Add", raw), &kind);
  EXPECT_EQ(kind, ErrorKind::kUnsupported);
  EXPECT_NE(err.find("INT4 initializer 'w'"), std::string::npos) << err;
  EXPECT_NE(err.find("only as DequantizeLinear"), std::string::npos) << err;
  err = compile_error(model("DequantizeLinear", raw, /*int8_zp=*/true), &kind);
  EXPECT_EQ(kind, ErrorKind::kInvalidModel);
  EXPECT_NE(err.find("zero point has its input's type"), std::string::npos) << err;
  err = compile_error(model("DequantizeLinear", raw.substr(0, 2)), &kind);  // 5 values need 3 bytes
  EXPECT_EQ(kind, ErrorKind::kInvalidModel);
  EXPECT_NE(err.find("4-bit values needs 3"), std::string::npos) << err;
}

}  // namespace
}  // namespace edgewm
