// The QOperator format's com.microsoft ops, rewritten on import into Q/DQ form
// (onnx/qoperator.cc), against values computed by hand the way ONNX Runtime's integer kernels
// compute them.
#include <gtest/gtest.h>

#include "compiler/compile.h"
#include "edgewm/error.h"
#include "edgewm/session.h"
#include "onnx_builder.h"
#include "op_test_util.h"

namespace edgewm {
namespace {

using testing::OnnxBuilder;

template <class T> Tensor make(DType t, const Shape& s, const std::vector<T>& v) {
  Tensor x(t, s);
  for (size_t i = 0; i < v.size(); ++i) static_cast<T*>(x.data())[i] = v[i];
  return x;
}
Tensor f32(float v) { return testing::make_f32(Shape{}, {v}); }
Tensor u8(const Shape& s, const std::vector<uint8_t>& v) { return make(DType::kU8, s, v); }

OnnxBuilder contrib_model() {
  OnnxBuilder b(17);
  auto* o = b.proto().add_opset_import();
  o->set_domain("com.microsoft");
  o->set_version(1);
  return b;
}

std::vector<uint8_t> run_u8(const OnnxBuilder& b) {
  auto model = Model::from_bytes(compile_imported(import_onnx_bytes(b.bytes(), ".")).serialize());
  Session s(model, SessionOptions{1});
  auto out = s.run(std::span<const TensorView>{});
  const uint8_t* p = static_cast<const uint8_t*>(out[0].data);
  return std::vector<uint8_t>(p, p + out[0].numel());
}

TEST(QOperator, QGemmAddsTheBiasToTheIntegerProductBeforeAlpha) {
  OnnxBuilder b = contrib_model();
  b.output("y");
  b.initializer("a", u8(Shape{1, 2}, {130, 120})).initializer("a_s", f32(0.5f)).initializer("a_z", u8(Shape{}, {128}));
  b.initializer("b", make<int8_t>(DType::kI8, Shape{2, 2}, {3, 1, 1, 5}))  // transB: [N, K]
      .initializer("b_s", testing::make_f32(Shape{2}, {1, 0.5f}))
      .initializer("b_z", make<int8_t>(DType::kI8, Shape{2}, {0, 0}));
  b.initializer("c", make<int32_t>(DType::kI32, Shape{2}, {4, -4}));
  b.initializer("y_s", f32(0.25f)).initializer("y_z", u8(Shape{}, {100}));
  auto& n = b.node("QGemm", {"a", "a_s", "a_z", "b", "b_s", "b_z", "c", "y_s", "y_z"}, {"y"});
  n.set_domain("com.microsoft");
  OnnxBuilder::int_attr(n, "transB", 1);
  auto* alpha = n.add_attribute();
  alpha->set_name("alpha");
  alpha->set_type(onnx::AttributeProto::FLOAT);
  alpha->set_f(0.5f);
  // integer products (2*3 - 8*1, 2*1 - 8*5) = (-2, -38), + C = (2, -42), * alpha * a_s * b_s
  // (0.25, 0.125) = (0.5, -5.25), / y_s = (2, -21), + 100.
  EXPECT_EQ(run_u8(b), (std::vector<uint8_t>{102, 79}));
}

TEST(QOperator, QLinearConcatRequantisesEachInputToTheOutputScale) {
  OnnxBuilder b = contrib_model();
  b.output("y");
  b.initializer("y_s", f32(1)).initializer("y_z", u8(Shape{}, {0}));
  b.initializer("x1", u8(Shape{1, 2}, {1, 2})).initializer("s1", f32(2)).initializer("z1", u8(Shape{}, {0}));
  b.initializer("x2", u8(Shape{1, 1}, {14})).initializer("s2", f32(0.5f)).initializer("z2", u8(Shape{}, {10}));
  auto& n = b.node("QLinearConcat", {"y_s", "y_z", "x1", "s1", "z1", "x2", "s2", "z2"}, {"y"});
  n.set_domain("com.microsoft");
  OnnxBuilder::int_attr(n, "axis", 1);
  EXPECT_EQ(run_u8(b), (std::vector<uint8_t>{2, 4, 2}));
}

TEST(QOperator, ChannelsLastLayoutsAreRefusedNotMisread) {
  OnnxBuilder b = contrib_model();
  b.input("x", {1, 2, 2, 3}, onnx::TensorProto::UINT8).output("y");
  b.initializer("s", f32(1)).initializer("z", u8(Shape{}, {0}));
  auto& n = b.node("QLinearGlobalAveragePool", {"x", "s", "z", "s", "z"}, {"y"});
  n.set_domain("com.microsoft");
  OnnxBuilder::int_attr(n, "channels_last", 1);
  try {
    compile_imported(import_onnx_bytes(b.bytes(), "."));
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("channels_last=1 is not supported"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace edgewm
