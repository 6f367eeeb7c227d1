#include "ir/op_registry.h"

#include <algorithm>


namespace edgewm {

const Value& InferContext::input(size_t i) const {
  if (!has_input(i)) fail("input " + std::to_string(i) + " is required but missing");
  return graph_.value(node_.inputs[i]);
}

const TensorView& InferContext::constant(size_t i) const {
  const Value& v = input(i);
  if (!v.is_constant())
    throw Error(ErrorKind::kNeedsConstant, Graph::where(node_) + ": input " + std::to_string(i) + " ('" + v.name +
                                               "') must be known at compile time; fix it with --input-shape or "
                                               "--input-value, or fold what computes it")
        .with_subject(v.name);
  return v.constant;
}

std::vector<int64_t> InferContext::constant_ints(size_t i) const {
  const TensorView& t = constant(i);
  std::vector<int64_t> out(static_cast<size_t>(t.numel()));
  if (t.dtype == DType::kI64) {
    std::copy_n(static_cast<const int64_t*>(t.data), out.size(), out.begin());
  } else if (t.dtype == DType::kI32) {
    std::copy_n(static_cast<const int32_t*>(t.data), out.size(), out.begin());
  } else {
    fail("input " + std::to_string(i) + " must be an integer tensor, got " + describe(t));
  }
  return out;
}

void InferContext::set_output(size_t i, DType t, const Shape& s) {
  if (!has_output(i)) return;  // an unused optional output
  for (int64_t d : s.dims())
    if (d < 0) fail("inferred a negative dimension for output " + std::to_string(i) + ": " + s.str());
  if (checked_tensor_bytes(t, s) < 0)
    fail("output " + std::to_string(i) + " (" + std::string(dtype_name(t)) + " " + s.str() + ") would be larger than " +
         std::to_string(kMaxTensorBytes >> 30) + " GiB");
  Value& v = graph_.value(node_.outputs[i]);
  v.dtype = t;
  v.shape = s;
  v.shape_known = true;
}

const Shape& InferContext::output_shape(size_t i) const {
  if (!has_output(i)) fail("output " + std::to_string(i) + " is missing");
  return graph_.value(node_.outputs[i]).shape;
}

void InferContext::set_output_constant(size_t i, Tensor t) {
  if (!has_output(i)) return;
  graph_.set_constant(node_.outputs[i], std::move(t));
}

void InferContext::fail(const std::string& msg) const {
  throw Error(ErrorKind::kInvalidModel, Graph::where(node_) + ": " + msg);
}

void InferContext::unsupported(const std::string& msg) const {
  throw Error(ErrorKind::kUnsupported, Graph::where(node_) + ": " + msg);
}

void InferContext::expect_dtype(size_t i, std::initializer_list<DType> allowed) const {
  DType t = dtype(i);
  if (std::find(allowed.begin(), allowed.end(), t) != allowed.end()) return;
  std::string names;
  for (DType a : allowed) names += std::string(names.empty() ? "" : ", ") + dtype_name(a);
  unsupported("input " + std::to_string(i) + " ('" + input(i).name + "') has dtype " + dtype_name(t) +
              "; supported: " + names);
}

Shape broadcast_shapes(const InferContext& ctx, const Shape& a, const Shape& b) {
  int rank = std::max(a.rank(), b.rank());
  Shape out;
  out.resize(rank);
  for (int i = 0; i < rank; ++i) {
    int ia = i - (rank - a.rank()), ib = i - (rank - b.rank());
    int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1) ctx.fail("shapes " + a.str() + " and " + b.str() + " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int normalize_axis(const InferContext& ctx, int64_t axis, int rank, const char* what) {
  if (axis < -rank || axis >= rank)
    ctx.fail(std::string(what) + " " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

std::string OpRegistry::key(std::string_view domain, std::string_view op_type) {
  std::string d(domain == "ai.onnx" ? "" : domain);
  return d + "::" + std::string(op_type);
}

void OpRegistry::add(OpSchema schema) {
  std::string k = key(schema.domain, schema.op_type);
  if (ops_.count(k)) throw Error(ErrorKind::kInternal, "op registered twice: " + schema.op_type);
  ops_.emplace(std::move(k), std::move(schema));
}

void OpRegistry::add_kernel(std::string_view op_type, KernelDef kdef, std::string_view domain) {
  auto it = ops_.find(key(domain, op_type));
  if (it == ops_.end()) throw Error(ErrorKind::kInternal, "kernel for unregistered op: " + std::string(op_type));
  it->second.kernels.push_back(std::move(kdef));
}

const OpSchema* OpRegistry::find(std::string_view op_type, std::string_view domain) const {
  auto it = ops_.find(key(domain, op_type));
  return it == ops_.end() ? nullptr : &it->second;
}

const KernelDef& OpRegistry::select(const Node& n, const Graph& g, size_t max_scratch) const {
  const OpSchema* s = find(n.op_type, n.domain);
  if (!s) throw Error(ErrorKind::kUnsupported, Graph::where(n) + ": op is not supported");
  const KernelDef* best = nullptr;
  for (const KernelDef& k : s->kernels)
    if ((!k.supports || k.supports(n, g)) && (!k.scratch || k.scratch(n, g) <= max_scratch) &&
        (!best || k.priority > best->priority))
      best = &k;
  if (!best)
    throw Error(ErrorKind::kUnsupported,
                Graph::where(n) + ": no kernel supports this node" +
                    (max_scratch == SIZE_MAX ? std::string()
                                             : " within the " + std::to_string(max_scratch) +
                                                   " bytes of scratch the model planned (recompile it)"));
  return *best;
}

const KernelDef& OpRegistry::reference(const Node& n, const Graph& g) const {
  const OpSchema* s = find(n.op_type, n.domain);
  if (!s) throw Error(ErrorKind::kUnsupported, Graph::where(n) + ": op is not supported");
  for (const KernelDef& k : s->kernels)
    if (k.name == "ref" && (!k.supports || k.supports(n, g))) return k;
  throw Error(ErrorKind::kUnsupported, Graph::where(n) + ": no reference kernel supports this node");
}

std::vector<std::string> OpRegistry::op_types() const {
  std::vector<std::string> out;
  for (const auto& [k, s] : ops_) out.push_back((s.domain.empty() ? "" : s.domain + ".") + s.op_type);
  std::sort(out.begin(), out.end());
  return out;
}


}  // namespace edgewm
