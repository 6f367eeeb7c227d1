#pragma once
// Runs a single op on constant inputs through the registry's shape inference and its selected
// kernel: the harness for per-op unit tests with hand-computed expectations.
#include <string>
#include <vector>

#include "edgewm/tensor.h"
#include "ir/attribute.h"
#include "ir/op_registry.h"

namespace edgewm::testing {

// `inputs` may contain default-constructed Tensors for omitted optional inputs; "edgewm.X" names
// op X of the edgewm domain.
std::vector<Tensor> run_op(const std::string& op_type, const std::vector<Tensor>& inputs,
                           const std::vector<Attribute>& attrs = {}, int num_outputs = 1, int opset = 17);

// Every kernel of the op that supports that node on this CPU (every ISA it has), best first.
std::vector<std::string> supported_kernels(const std::string& op_type, const std::vector<Tensor>& inputs,
                                           const std::vector<Attribute>& attrs = {}, int opset = 17);
// run_op with the named kernel instead of the best one (through its prepare, as sessions do).
std::vector<Tensor> run_op_kernel(const std::string& kernel, const std::string& op_type,
                                  const std::vector<Tensor>& inputs, const std::vector<Attribute>& attrs = {},
                                  int opset = 17);
// The same with a kernel that is not in the registry (a test's own instance of a driver).
std::vector<Tensor> run_op_kernel_def(const KernelDef& kernel, const std::string& op_type, const std::vector<Tensor>& inputs,
                                      const std::vector<Attribute>& attrs, int opset = 17);
// Whether that kernel takes the node.
bool kernel_def_supports(const KernelDef& kernel, const std::string& op_type, const std::vector<Tensor>& inputs,
                         const std::vector<Attribute>& attrs, int opset = 17);

// The kernel the registry picks for that node (e.g. "avx512.winograd").
std::string selected_kernel(const std::string& op_type, const std::vector<Tensor>& inputs,
                            const std::vector<Attribute>& attrs = {});

// run_op takes a vector of move-only Tensors: in(x, w, b) copies the arguments in
// (a default-constructed Tensor stands for an omitted optional input).
template <class... Ts> std::vector<Tensor> in(const Ts&... ts) {
  std::vector<Tensor> v;
  (v.push_back(ts.dtype() == DType::kUndefined ? Tensor() : Tensor::copy_of(ts.view())), ...);
  return v;
}

// Builders.
Tensor make_f32(const Shape& s, const std::vector<float>& v);
Tensor make_i64(const Shape& s, const std::vector<int64_t>& v);
Attribute attr_int(const std::string& name, int64_t v);
Attribute attr_float(const std::string& name, float v);
Attribute attr_string(const std::string& name, const std::string& v);
Attribute attr_ints(const std::string& name, const std::vector<int64_t>& v);
Attribute attr_floats(const std::string& name, const std::vector<float>& v);
std::vector<float> to_vector(const Tensor& t);  // f32 contents

}  // namespace edgewm::testing
