#include "onnx/qoperator.h"

#include <string>

#include "edgewm/error.h"

namespace edgewm {

namespace {

// Builds the expansion of one contrib node.
class Expansion {
 public:
  Expansion(const onnx::NodeProto& n, std::vector<onnx::NodeProto>& out) : n_(n), out_(out) {}

  // Input i of the contrib node, "" when omitted or past the end.
  std::string in(int i) const { return i < n_.input_size() ? n_.input(i) : std::string(); }
  std::string fresh(const std::string& what) const { return n_.name() + "::edgewm_" + what; }

  onnx::NodeProto& node(const char* op, std::vector<std::string> ins, std::vector<std::string> outs, const std::string& what) {
    onnx::NodeProto& p = out_.emplace_back();
    p.set_op_type(op);
    p.set_name(n_.name().empty() ? fresh(what) : n_.name() + "/" + what);
    while (!ins.empty() && ins.back().empty()) ins.pop_back();  // trailing omitted optionals
    for (auto& s : ins) p.add_input(s);
    for (auto& s : outs) p.add_output(s);
    return p;
  }
  // DequantizeLinear(x, scale, zero_point[, axis]) -> a fresh float value.
  std::string dequantize(const std::string& x, const std::string& scale, const std::string& zp, const std::string& what,
                         const int64_t* axis = nullptr) {
    const std::string y = fresh(what);
    auto& p = node("DequantizeLinear", {x, scale, zp}, {y}, what);
    if (axis) int_attr(p, "axis", *axis);
    return y;
  }
  // QuantizeLinear(x, scale, zero_point) into the contrib node's output k.
  void quantize(const std::string& x, const std::string& scale, const std::string& zp, int k = 0) {
    node("QuantizeLinear", {x, scale, zp}, {n_.output(k)}, "quantize");
  }
  // The contrib node's attributes, less `skip`, on `p`.
  void copy_attrs(onnx::NodeProto& p, std::initializer_list<const char*> skip = {}) const {
    for (const auto& a : n_.attribute()) {
      bool drop = false;
      for (const char* s : skip) drop = drop || a.name() == s;
      if (!drop) *p.add_attribute() = a;
    }
  }
  const onnx::AttributeProto* attr(const char* name) const {
    for (const auto& a : n_.attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  static void int_attr(onnx::NodeProto& p, const char* name, int64_t v) {
    auto* a = p.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void float_attr(onnx::NodeProto& p, const char* name, float v) {
    auto* a = p.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }
  void need_inputs(int n) const {
    if (n_.input_size() < n || n_.output_size() < 1)
      throw Error(ErrorKind::kInvalidModel, "node '" + n_.name() + "' (com.microsoft." + n_.op_type() + ") needs " +
                                                std::to_string(n) + " inputs and an output");
  }
  void refuse_channels_last() const {
    const auto* a = attr("channels_last");
    if (a && a->i() != 0)
      throw Error(ErrorKind::kUnsupported, "node '" + n_.name() + "' (com.microsoft." + n_.op_type() +
                                               "): channels_last=1 is not supported");
  }

 private:
  const onnx::NodeProto& n_;
  std::vector<onnx::NodeProto>& out_;
};

}  // namespace

bool expand_qoperator(const onnx::NodeProto& n, int opset, std::vector<onnx::NodeProto>& out) {
  if (n.domain() != "com.microsoft") return false;
  const std::string& op = n.op_type();
  static const char* const kKnown[] = {"QLinearAdd", "QLinearMul", "QLinearAveragePool", "QLinearGlobalAveragePool",
                                       "QGemm", "QLinearLeakyRelu", "QLinearSigmoid", "QLinearConcat", "QLinearSoftmax"};
  bool known = false;
  for (const char* k : kKnown) known = known || op == k;
  if (!known) return false;
  if (opset < 13)
    throw Error(ErrorKind::kUnsupported, "node '" + n.name() + "' (com.microsoft." + op +
                                             ") in a model of ai.onnx opset " + std::to_string(opset) + " (13 or later is needed)");
  Expansion e(n, out);
  if (op == "QLinearAdd" || op == "QLinearMul") {  // A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp
    e.need_inputs(7);
    const std::string a = e.dequantize(e.in(0), e.in(1), e.in(2), "a");
    const std::string b = e.dequantize(e.in(3), e.in(4), e.in(5), "b");
    const std::string y = e.fresh("y");
    e.node(op == "QLinearAdd" ? "Add" : "Mul", {a, b}, {y}, op == "QLinearAdd" ? "add" : "mul");
    e.quantize(y, e.in(6), e.in(7));
  } else if (op == "QLinearAveragePool" || op == "QLinearGlobalAveragePool") {  // X, x_scale, x_zp, y_scale, y_zp
    e.need_inputs(4);
    e.refuse_channels_last();
    const std::string x = e.dequantize(e.in(0), e.in(1), e.in(2), "x");
    const std::string y = e.fresh("y");
    auto& p = e.node(op == "QLinearAveragePool" ? "AveragePool" : "GlobalAveragePool", {x}, {y}, "pool");
    e.copy_attrs(p, {"channels_last"});
    e.quantize(y, e.in(3), e.in(4));
  } else if (op == "QLinearLeakyRelu" || op == "QLinearSigmoid" || op == "QLinearSoftmax") {
    e.need_inputs(4);  // X, X_scale, X_zp, Y_scale, Y_zp
    const std::string x = e.dequantize(e.in(0), e.in(1), e.in(2), "x");
    const std::string y = e.fresh("y");
    const char* fop = op == "QLinearLeakyRelu" ? "LeakyRelu" : op == "QLinearSigmoid" ? "Sigmoid" : "Softmax";
    auto& p = e.node(fop, {x}, {y}, "op");
    if (op == "QLinearLeakyRelu" && e.attr("alpha")) Expansion::float_attr(p, "alpha", e.attr("alpha")->f());
    if (op == "QLinearSoftmax") {
      // Its "opset" attribute says which Softmax semantics (axis coercion before 13) it follows.
      const auto* v = e.attr("opset");
      if (v && v->i() < 13)
        throw Error(ErrorKind::kUnsupported, "node '" + n.name() + "' (com.microsoft.QLinearSoftmax) with opset " +
                                                 std::to_string(v->i()) + " semantics");
      if (e.attr("axis")) Expansion::int_attr(p, "axis", e.attr("axis")->i());
    }
    e.quantize(y, e.in(3), e.in(4));
  } else if (op == "QLinearConcat") {  // Y_scale, Y_zp, then (X, X_scale, X_zp) per input
    if (n.input_size() < 5 || (n.input_size() - 2) % 3 != 0 || n.output_size() < 1)
      throw Error(ErrorKind::kInvalidModel, "node '" + n.name() + "' (com.microsoft.QLinearConcat) needs Y_scale, Y_zp "
                                                                   "and (X, X_scale, X_zp) triples");
    std::vector<std::string> parts;
    for (int i = 2; i + 2 < n.input_size(); i += 3)
      parts.push_back(e.dequantize(e.in(i), e.in(i + 1), e.in(i + 2), "x" + std::to_string(i / 3)));
    const std::string y = e.fresh("y");
    auto& p = e.node("Concat", parts, {y}, "concat");
    e.copy_attrs(p);
    e.quantize(y, e.in(0), e.in(1));
  } else {  // QGemm: A, a_scale, a_zp, B, b_scale, b_zp, C (i32, in units of a_scale * b_scale), y_scale, y_zp
    e.need_inputs(6);
    const bool trans_b = e.attr("transB") && e.attr("transB")->i() != 0;
    const float alpha = e.attr("alpha") ? e.attr("alpha")->f() : 1.f;
    const int64_t b_axis = trans_b ? 0 : 1;  // b_scale is per column of op(B): per output
    const std::string a = e.dequantize(e.in(0), e.in(1), e.in(2), "a");
    const std::string b = e.dequantize(e.in(3), e.in(4), e.in(5), "b", &b_axis);
    std::string c;
    if (!e.in(6).empty()) {
      const std::string c_scale = e.fresh("c_scale");
      e.node("Mul", {e.in(1), e.in(4)}, {c_scale}, "c_scale");
      const int64_t last = -1;
      c = e.dequantize(e.in(6), c_scale, "", "c", &last);
    }
    // ONNX Runtime adds C to the integer product before scaling by alpha: Y = alpha * (AB + C).
    const bool quantized = !e.in(7).empty();
    const std::string y = quantized ? e.fresh("y") : n.output(0);
    auto& p = e.node("Gemm", {a, b, c}, {y}, "gemm");
    e.copy_attrs(p, {"alpha"});
    Expansion::float_attr(p, "alpha", alpha);
    Expansion::float_attr(p, "beta", alpha);
    if (quantized) e.quantize(y, e.in(7), e.in(8));
  }
  return true;
}

}  // namespace edgewm
