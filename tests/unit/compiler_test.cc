// Importer, shape inference + folding, and compile errors, on models built in C++.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "compiler/compile.h"
#include "onnx_builder.h"
#include "op_test_util.h"

namespace edgewm {
namespace {

using testing::make_f32;
using testing::make_i64;
using testing::OnnxBuilder;

CompiledModel compile_bytes(const OnnxBuilder& b, const ImportOptions& opt = {}) {
  return compile_imported(import_onnx_bytes(b.bytes(), ".", opt));
}

ErrorKind kind_of(const std::function<void()>& fn, std::string* message = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.kind();
  }
  ADD_FAILURE() << "expected an edgewm::Error";
  return ErrorKind::kInternal;
}

TEST(Importer, UnsupportedOpsAreListedWithNodeAndOpset) {
  OnnxBuilder b(17);
  b.input("x", {1, 4}).output("y");
  b.node("FancyOp", {"x"}, {"t"}, "first");
  b.node("OtherOp", {"t"}, {"u"}, "second");
  b.node("FancyOp", {"u"}, {"y"}, "third");
  std::string msg;
  EXPECT_EQ(kind_of([&] { compile_bytes(b); }, &msg), ErrorKind::kUnsupported);
  EXPECT_NE(msg.find("2 unsupported op(s)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("op 'FancyOp' (node 'first' (FancyOp, opset 17) and 1 more)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'OtherOp'"), std::string::npos) << msg;
}

TEST(Importer, SymbolicBatchDefaultsToOneAndOtherDimsNeedAShape) {
  OnnxBuilder b;
  b.input("x", {-1, 3}).output("y");
  b.node("Relu", {"x"}, {"y"});
  CompiledModel m = compile_bytes(b);
  EXPECT_EQ(m.graph.value(m.graph.inputs[0]).shape, (Shape{1, 3}));

  OnnxBuilder c;
  c.input("x", {2, -1}).output("y");
  c.node("Relu", {"x"}, {"y"});
  std::string msg;
  EXPECT_EQ(kind_of([&] { compile_bytes(c); }, &msg), ErrorKind::kInvalidArgument);
  EXPECT_NE(msg.find("--input-shape x="), std::string::npos) << msg;
  ImportOptions opt;
  opt.input_shapes["x"] = Shape{2, 5};
  EXPECT_EQ(compile_bytes(c, opt).graph.value(0).shape, (Shape{2, 5}));
  // Static dims may not be overridden: exporters bake them into Reshape constants.
  opt.input_shapes["x"] = Shape{4, 5};
  EXPECT_EQ(kind_of([&] { compile_bytes(c, opt); }, &msg), ErrorKind::kInvalidArgument);
  EXPECT_NE(msg.find("dim 0 is fixed at 2"), std::string::npos) << msg;
}

TEST(Importer, BadInitializerNamesTheTensor) {
  OnnxBuilder b;
  b.input("x", {4}).output("y");
  auto* init = b.proto().mutable_graph()->add_initializer();
  init->set_name("bias");
  init->set_data_type(onnx::TensorProto::FLOAT);
  init->add_dims(4);
  init->set_raw_data(std::string(12, '\0'));  // 3 floats for 4 elements
  b.node("Add", {"x", "bias"}, {"y"});
  std::string msg;
  EXPECT_EQ(kind_of([&] { compile_bytes(b); }, &msg), ErrorKind::kInvalidModel);
  EXPECT_NE(msg.find("initializer 'bias'"), std::string::npos) << msg;
}

TEST(Importer, GarbageIsNotAModel) {
  EXPECT_EQ(kind_of([] { import_onnx_bytes("definitely not protobuf \xff\xff\xff", "."); }), ErrorKind::kInvalidModel);
}

TEST(Importer, ExternalDataLoadsAndMayNotLeaveTheModelFolder) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "edgewm_external_data_test";
  fs::create_directories(dir);
  std::vector<float> w = {1.5f, -2.f, 3.f, 0.25f};
  {
    std::ofstream f(dir / "weights.bin", std::ios::binary);
    f.write("PAD!", 4);  // the tensor starts at offset 4
    f.write(reinterpret_cast<const char*>(w.data()), 16);
  }
  auto build = [&](const std::string& location) {
    OnnxBuilder b;
    b.input("x", {4}).output("y");
    auto* init = b.proto().mutable_graph()->add_initializer();
    init->set_name("w");
    init->set_data_type(onnx::TensorProto::FLOAT);
    init->add_dims(4);
    init->set_data_location(onnx::TensorProto::EXTERNAL);
    auto add_kv = [&](const char* k, const std::string& v) {
      auto* e = init->add_external_data();
      e->set_key(k);
      e->set_value(v);
    };
    add_kv("location", location);
    add_kv("offset", "4");
    add_kv("length", "16");
    b.node("Add", {"x", "w"}, {"y"});
    return b.bytes();
  };
  ImportedModel m = import_onnx_bytes(build("weights.bin"), dir.string());
  ValueId w_id = m.graph.find_value("w");
  ASSERT_NE(w_id, kNoValue);
  const float* p = static_cast<const float*>(m.graph.value(w_id).constant.data);
  EXPECT_EQ(std::vector<float>(p, p + 4), w);
  EXPECT_EQ(kind_of([&] { import_onnx_bytes(build("../../etc/passwd"), dir.string()); }), ErrorKind::kInvalidModel);
  fs::remove_all(dir);
}

TEST(Compiler, ShapeSubgraphIsFoldedAway) {
  // y = Reshape(x, Concat(Gather(Shape(x), 0), [-1])): what exporters emit for x.view(B, -1).
  OnnxBuilder b(17);
  b.input("x", {2, 3, 4}).output("y");
  b.initializer("zero", make_i64(Shape{}, {0}));
  b.initializer("minus_one", make_i64(Shape{1}, {-1}));
  b.initializer("axes0", make_i64(Shape{1}, {0}));
  b.node("Shape", {"x"}, {"s"});
  b.node("Gather", {"s", "zero"}, {"batch"});
  b.node("Unsqueeze", {"batch", "axes0"}, {"batch1"});
  b.node("Concat", {"batch1", "minus_one"}, {"shape"}).add_attribute()->CopyFrom([] {
    onnx::AttributeProto a;
    a.set_name("axis");
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(0);
    return a;
  }());
  b.node("Reshape", {"x", "shape"}, {"y"});
  CompiledModel m = compile_bytes(b);
  ASSERT_EQ(m.graph.nodes.size(), 1u);
  EXPECT_EQ(m.graph.nodes[0].op_type, "Reshape");
  EXPECT_EQ(m.stats.folded_nodes, 4);
  EXPECT_EQ(m.graph.value(m.graph.outputs[0]).shape, (Shape{2, 12}));
}

TEST(Compiler, RuntimeValuedShapeInputAsksForAConstant) {
  OnnxBuilder b;
  b.input("x", {2, 6}).input("shape", {2}, onnx::TensorProto::INT64).output("y");
  b.node("Reshape", {"x", "shape"}, {"y"});
  try {
    compile_bytes(b);
    FAIL() << "expected kNeedsConstant";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNeedsConstant);
    EXPECT_EQ(e.subject(), "shape");
  }
  ImportOptions opt;
  opt.input_values["shape"] = make_i64(Shape{2}, {3, 4});
  CompiledModel m = compile_bytes(b, opt);
  EXPECT_EQ(m.graph.inputs.size(), 1u);
  EXPECT_EQ(m.graph.value(m.graph.outputs[0]).shape, (Shape{3, 4}));
}

TEST(Compiler, BroadcastErrorNamesNodeAndShapes) {
  OnnxBuilder b;
  b.input("a", {2, 3}).input("b", {4}).output("y");
  b.node("Add", {"a", "b"}, {"y"}, "bad_add");
  std::string msg;
  EXPECT_EQ(kind_of([&] { compile_bytes(b); }, &msg), ErrorKind::kInvalidModel);
  EXPECT_NE(msg.find("bad_add"), std::string::npos) << msg;
  EXPECT_NE(msg.find("2x3"), std::string::npos) << msg;
}

TEST(Compiler, OldOpsetAttributeFormsAreCanonicalised) {
  // Opset 11 Squeeze takes axes as an attribute; kernels see the opset-13 input form.
  OnnxBuilder b(11);
  b.input("x", {1, 3, 1}).output("y");
  OnnxBuilder::ints_attr(b.node("Squeeze", {"x"}, {"y"}), "axes", {0, 2});
  CompiledModel m = compile_bytes(b);
  EXPECT_EQ(m.graph.value(m.graph.outputs[0]).shape, (Shape{3}));
  EXPECT_EQ(m.stats.canonicalized, 1);
}

}  // namespace
}  // namespace edgewm
