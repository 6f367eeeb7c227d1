#pragma once
// Builds small ONNX models in C++ for importer/compiler tests, independent of Python.
#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

#include "edgewm/tensor.h"
#include "onnx/tensor_proto.h"

namespace edgewm::testing {

class OnnxBuilder {
 public:
  explicit OnnxBuilder(int opset = 17) {
    m_.set_ir_version(8);
    m_.set_producer_name("edgewm-tests");
    auto* o = m_.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
  }
  // dims: -1 marks a symbolic dimension.
  OnnxBuilder& input(const std::string& name, const std::vector<int64_t>& dims, int elem = onnx::TensorProto::FLOAT) {
    typed(m_.mutable_graph()->add_input(), name, dims, elem);
    return *this;
  }
  OnnxBuilder& output(const std::string& name) {
    m_.mutable_graph()->add_output()->set_name(name);
    return *this;
  }
  // An output with a declared type and shape.
  OnnxBuilder& output(const std::string& name, const std::vector<int64_t>& dims, int elem = onnx::TensorProto::FLOAT) {
    typed(m_.mutable_graph()->add_output(), name, dims, elem);
    return *this;
  }
  OnnxBuilder& initializer(const std::string& name, const Tensor& t) {
    tensor_to_proto(t.view(), name, m_.mutable_graph()->add_initializer());
    return *this;
  }
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& ins,
                        const std::vector<std::string>& outs, const std::string& name = "") {
    auto* n = m_.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? op + "_" + std::to_string(m_.graph().node_size()) : name);
    for (const auto& i : ins) n->add_input(i);
    for (const auto& o : outs) n->add_output(o);
    return *n;
  }
  static void int_attr(onnx::NodeProto& n, const std::string& name, int64_t v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void float_attr(onnx::NodeProto& n, const std::string& name, float v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }
  static void ints_attr(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  static void string_attr(onnx::NodeProto& n, const std::string& name, const std::string& v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
  }
  onnx::ModelProto& proto() { return m_; }
  std::string bytes() const { return m_.SerializeAsString(); }

 private:
  static void typed(onnx::ValueInfoProto* vi, const std::string& name, const std::vector<int64_t>& dims, int elem) {
    vi->set_name(name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(elem);
    for (int64_t d : dims) {
      auto* dim = tt->mutable_shape()->add_dim();
      if (d < 0) dim->set_dim_param("N");
      else dim->set_dim_value(d);
    }
  }
  onnx::ModelProto m_;
};

}  // namespace edgewm::testing
