// Regression tests for "Bad input never crashes": each input below once crashed, hung or gave a
// wrong answer; now it must give a clear edgewm::Error (or the right answer). The inputs are
// made here, small.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "compiler/compile.h"
#include "edgewm/error.h"
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

}  // namespace
}  // namespace edgewm
