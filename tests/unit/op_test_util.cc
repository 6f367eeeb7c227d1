#include "op_test_util.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "edgewm/thread_pool.h"
#include "ir/graph.h"
#include "ir/op_registry.h"
#include "kernels/register_ops.h"
#include "kernels/evaluate_node.h"

namespace edgewm::testing {

namespace {

// Threads of the pool each single-op run gets: 2, or EDGEWM_TEST_THREADS (the qemu runs use 1:
// see cross/CMakeLists.txt).
int test_threads() {
  const char* v = std::getenv("EDGEWM_TEST_THREADS");
  return v && *v ? std::max(1, std::atoi(v)) : 2;
}

// One node on constant inputs, shapes inferred.
void build_single_node(const std::string& op_type, const std::vector<Tensor>& inputs,
                       const std::vector<Attribute>& attrs, int num_outputs, int opset, Graph& g, Node& n) {
  n.name = "test_" + op_type;
  n.op_type = op_type;
  if (op_type.rfind("edgewm.", 0) == 0) {  // an op of edgewm's domain (fusion results)
    n.domain = "edgewm";
    n.op_type = op_type.substr(7);
  }
  n.opset = opset;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].dtype() == DType::kUndefined) {
      n.inputs.push_back(kNoValue);
      continue;
    }
    n.inputs.push_back(g.add_constant("in" + std::to_string(i), Tensor::copy_of(inputs[i].view())));
  }
  for (int i = 0; i < num_outputs; ++i) {
    Value v;
    v.name = "out" + std::to_string(i);
    n.outputs.push_back(g.add_value(v));
  }
  for (const Attribute& a : attrs) n.attrs.set(a);
  const OpSchema* s = builtin_ops().find(n.op_type, n.domain);
  if (!s) throw Error(ErrorKind::kUnsupported, "op not registered: " + op_type);
  InferContext ictx(g, n);
  s->infer(ictx);
}

}  // namespace

std::vector<Tensor> run_op(const std::string& op_type, const std::vector<Tensor>& inputs,
                           const std::vector<Attribute>& attrs, int num_outputs, int opset) {
  Graph g;
  Node n;
  build_single_node(op_type, inputs, attrs, num_outputs, opset, g, n);
  std::vector<Tensor> outs;
  // Ops such as Shape produce their result during inference.
  bool all_const = true;
  for (ValueId v : n.outputs) all_const &= g.value(v).is_constant();
  if (all_const) {
    for (ValueId v : n.outputs) outs.push_back(Tensor::copy_of(g.value(v).constant));
    return outs;
  }
  ThreadPool pool(test_threads());
  return evaluate_node(g, n, pool);
}

std::vector<std::string> supported_kernels(const std::string& op_type, const std::vector<Tensor>& inputs,
                                           const std::vector<Attribute>& attrs, int opset) {
  Graph g;
  Node n;
  build_single_node(op_type, inputs, attrs, 1, opset, g, n);
  std::vector<const KernelDef*> ks;
  for (const KernelDef& k : builtin_ops().find(n.op_type, n.domain)->kernels)
    if (!k.supports || k.supports(n, g)) ks.push_back(&k);
  std::stable_sort(ks.begin(), ks.end(), [](const KernelDef* a, const KernelDef* b) { return a->priority > b->priority; });
  std::vector<std::string> names;
  for (const KernelDef* k : ks) names.push_back(k->name);
  return names;
}

std::vector<Tensor> run_op_kernel(const std::string& kernel, const std::string& op_type,
                                  const std::vector<Tensor>& inputs, const std::vector<Attribute>& attrs, int opset) {
  Graph g;
  Node n;
  build_single_node(op_type, inputs, attrs, 1, opset, g, n);
  for (const KernelDef& k : builtin_ops().find(n.op_type, n.domain)->kernels)
    if (k.name == kernel && (!k.supports || k.supports(n, g))) {
      ThreadPool pool(test_threads());
      return evaluate_node_with(g, n, pool, k);
    }
  throw Error(ErrorKind::kInternal, "no kernel '" + kernel + "' of " + op_type + " supports this node");
}

std::vector<Tensor> run_op_kernel_def(const KernelDef& kernel, const std::string& op_type, const std::vector<Tensor>& inputs,
                                      const std::vector<Attribute>& attrs, int opset) {
  Graph g;
  Node n;
  build_single_node(op_type, inputs, attrs, 1, opset, g, n);
  if (kernel.supports && !kernel.supports(n, g))
    throw Error(ErrorKind::kInternal, "kernel '" + kernel.name + "' does not support this " + op_type);
  ThreadPool pool(test_threads());
  return evaluate_node_with(g, n, pool, kernel);
}

bool kernel_def_supports(const KernelDef& kernel, const std::string& op_type, const std::vector<Tensor>& inputs,
                         const std::vector<Attribute>& attrs, int opset) {
  Graph g;
  Node n;
  build_single_node(op_type, inputs, attrs, 1, opset, g, n);
  return !kernel.supports || kernel.supports(n, g);
}

std::string selected_kernel(const std::string& op_type, const std::vector<Tensor>& inputs,
                            const std::vector<Attribute>& attrs) {
  Graph g;
  Node n;
  build_single_node(op_type, inputs, attrs, 1, 17, g, n);
  return builtin_ops().select(n, g).name;
}

Tensor make_f32(const Shape& s, const std::vector<float>& v) {
  Tensor t(DType::kF32, s);
  if (static_cast<int64_t>(v.size()) != t.numel()) throw Error(ErrorKind::kInternal, "make_f32 size mismatch");
  if (!v.empty()) std::memcpy(t.data(), v.data(), v.size() * 4);
  return t;
}

Tensor make_i64(const Shape& s, const std::vector<int64_t>& v) {
  Tensor t(DType::kI64, s);
  if (static_cast<int64_t>(v.size()) != t.numel()) throw Error(ErrorKind::kInternal, "make_i64 size mismatch");
  if (!v.empty()) std::memcpy(t.data(), v.data(), v.size() * 8);
  return t;
}

Attribute attr_int(const std::string& name, int64_t v) {
  Attribute a;
  a.name = name;
  a.kind = Attribute::Kind::kInt;
  a.i = v;
  return a;
}
Attribute attr_float(const std::string& name, float v) {
  Attribute a;
  a.name = name;
  a.kind = Attribute::Kind::kFloat;
  a.f = v;
  return a;
}
Attribute attr_string(const std::string& name, const std::string& v) {
  Attribute a;
  a.name = name;
  a.kind = Attribute::Kind::kString;
  a.s = v;
  return a;
}
Attribute attr_ints(const std::string& name, const std::vector<int64_t>& v) {
  Attribute a;
  a.name = name;
  a.kind = Attribute::Kind::kInts;
  a.ints = v;
  return a;
}
Attribute attr_floats(const std::string& name, const std::vector<float>& v) {
  Attribute a;
  a.name = name;
  a.kind = Attribute::Kind::kFloats;
  a.floats = v;
  return a;
}
std::vector<float> to_vector(const Tensor& t) {
  const float* p = t.as<float>();
  return std::vector<float>(p, p + t.numel());
}

}  // namespace edgewm::testing
