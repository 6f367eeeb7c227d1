#include "onnx/importer.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_map>

#include "core/regular_file.h"
#include "ir/op_registry.h"
#include "kernels/register_ops.h"
#include "onnx/qoperator.h"
#include "onnx/tensor_proto.h"

namespace edgewm {

namespace {
// The newest ONNX opset whose semantics edgewm follows (ONNX 1.18).
constexpr int64_t kMaxOnnxOpset = 23;
}  // namespace

namespace {

Attribute convert_attribute(const onnx::AttributeProto& a, const std::string& base_dir, const std::string& where) {
  Attribute out;
  out.name = a.name();
  const std::string what = where + ": attribute '" + a.name() + "'";
  switch (a.type()) {
    case onnx::AttributeProto::INT: out.kind = Attribute::Kind::kInt; out.i = a.i(); break;
    case onnx::AttributeProto::FLOAT: out.kind = Attribute::Kind::kFloat; out.f = a.f(); break;
    case onnx::AttributeProto::STRING: out.kind = Attribute::Kind::kString; out.s = a.s(); break;
    case onnx::AttributeProto::INTS:
      out.kind = Attribute::Kind::kInts;
      out.ints.assign(a.ints().begin(), a.ints().end());
      break;
    case onnx::AttributeProto::FLOATS:
      out.kind = Attribute::Kind::kFloats;
      out.floats.assign(a.floats().begin(), a.floats().end());
      break;
    case onnx::AttributeProto::STRINGS:
      out.kind = Attribute::Kind::kStrings;
      out.strings.assign(a.strings().begin(), a.strings().end());
      break;
    case onnx::AttributeProto::TENSOR:
      out.kind = Attribute::Kind::kTensor;
      out.tensor = std::make_shared<Tensor>(tensor_from_proto(a.t(), base_dir, what));
      break;
    case onnx::AttributeProto::UNDEFINED:
      // Old exporters leave the type unset; infer it from the one field that is set.
      if (a.has_i()) { out.kind = Attribute::Kind::kInt; out.i = a.i(); break; }
      if (a.has_f()) { out.kind = Attribute::Kind::kFloat; out.f = a.f(); break; }
      if (a.has_s()) { out.kind = Attribute::Kind::kString; out.s = a.s(); break; }
      if (a.ints_size()) { out.kind = Attribute::Kind::kInts; out.ints.assign(a.ints().begin(), a.ints().end()); break; }
      if (a.floats_size()) {
        out.kind = Attribute::Kind::kFloats;
        out.floats.assign(a.floats().begin(), a.floats().end());
        break;
      }
      throw Error(ErrorKind::kInvalidModel, what + " has no type");
    default:
      throw Error(ErrorKind::kUnsupported,
                  what + " of type " + onnx::AttributeProto::AttributeType_Name(a.type()) +
                      " is not supported (subgraphs and sparse tensors are not)");
  }
  return out;
}

// A Constant node's value as a tensor.
Tensor constant_node_value(const onnx::NodeProto& n, const std::string& base_dir, const std::string& where) {
  for (const auto& a : n.attribute()) {
    const std::string what = where + ": attribute '" + a.name() + "'";
    if (a.name() == "value") return tensor_from_proto(a.t(), base_dir, what);
    if (a.name() == "value_float") {
      Tensor t(DType::kF32, Shape{});
      *t.as<float>() = a.f();
      return t;
    }
    if (a.name() == "value_int") {
      Tensor t(DType::kI64, Shape{});
      *t.as<int64_t>() = a.i();
      return t;
    }
    if (a.name() == "value_floats") {
      Tensor t(DType::kF32, Shape{a.floats_size()});
      std::copy(a.floats().begin(), a.floats().end(), t.as<float>());
      return t;
    }
    if (a.name() == "value_ints") {
      Tensor t(DType::kI64, Shape{a.ints_size()});
      std::copy(a.ints().begin(), a.ints().end(), t.as<int64_t>());
      return t;
    }
    throw Error(ErrorKind::kUnsupported, what + " is not supported (sparse or string constants)");
  }
  throw Error(ErrorKind::kInvalidModel, where + ": Constant has no value");
}

class Importer {
 public:
  Importer(const onnx::ModelProto& m, const std::string& base_dir, const ImportOptions& opt)
      : model_(m), base_dir_(base_dir), opt_(opt) {}

  ImportedModel run() {
    ImportedModel out;
    read_opsets(out.metadata);
    if (!model_.has_graph()) throw Error(ErrorKind::kInvalidModel, "model has no graph");
    const onnx::GraphProto& g = model_.graph();
    Graph& graph = out.graph;
    graph_ = &graph;

    for (const auto& init : g.initializer()) {
      if (ids_.count(init.name())) throw Error(ErrorKind::kInvalidModel, "initializer '" + init.name() + "' defined twice");
      ids_[init.name()] = graph.add_constant(init.name(), tensor_from_proto(init, base_dir_, "initializer '" + init.name() + "'"));
      if (is_4bit_proto(init)) four_bit_[ids_[init.name()]] = init.data_type() == 22 ? "INT4" : "UINT4";
    }
    if (g.sparse_initializer_size())
      throw Error(ErrorKind::kUnsupported, "sparse initializers are not supported");

    std::set<std::string> seen_inputs;
    for (const auto& in : g.input()) {
      if (ids_.count(in.name())) continue;  // IR < 4 lists initializers as inputs too
      seen_inputs.insert(in.name());
      add_graph_input(in);
    }
    for (const auto& [name, shape] : opt_.input_shapes)
      if (!seen_inputs.count(name)) throw Error(ErrorKind::kInvalidArgument, "--input-shape names '" + name + "', which is not a model input");
    for (const auto& [name, t] : opt_.input_values)
      if (!seen_inputs.count(name)) throw Error(ErrorKind::kInvalidArgument, "--input-value names '" + name + "', which is not a model input");
    check_required_batch();

    for (int i = 0; i < g.node_size(); ++i) add_node(g.node(i), i);
    if (!unsupported_.empty()) {
      // One entry per op type, naming its first node: a whole model's worth of nodes would bury it.
      std::string msg = std::to_string(unsupported_.size()) + " unsupported op(s): ";
      bool first = true;
      for (const auto& [op, u] : unsupported_) {
        msg += (first ? "" : "; ") + std::string("op '") + op + "' (" + u.first_where +
               (u.count > 1 ? " and " + std::to_string(u.count - 1) + " more" : "") + ")";
        first = false;
      }
      throw Error(ErrorKind::kUnsupported, msg);
    }
    check_4bit_uses();
    for (const auto& o : g.output()) {
      auto it = ids_.find(o.name());
      if (it == ids_.end()) throw Error(ErrorKind::kInvalidModel, "graph output '" + o.name() + "' is never produced");
      graph.outputs.push_back(it->second);
      out.declared_outputs.push_back(declared_output(o));
    }
    graph.topological_sort();
    out.metadata["producer"] = model_.producer_name() + (model_.producer_version().empty() ? "" : " " + model_.producer_version());
    out.metadata["onnx_ir_version"] = std::to_string(model_.ir_version());
    if (!g.name().empty()) out.metadata["graph_name"] = g.name();
    for (const auto& p : model_.metadata_props()) out.metadata["onnx." + p.key()] = p.value();
    return out;
  }

 private:
  // 4-bit initializers arrive unpacked as s8/u8 (onnx/tensor_proto.cc), which only
  // DequantizeLinear may read — as its input and zero point, both 4-bit — so that they are
  // dequantised on load. Anywhere else (QuantizeLinear to int4, arithmetic on int4, a graph
  // output) the 8-bit stand-in would give a silently wrong answer: refused instead.
  void check_4bit_uses() const {
    if (four_bit_.empty()) return;
    auto name = [&](ValueId v) { return graph_->value(v).name; };
    for (const Node& n : graph_->nodes)
      for (size_t i = 0; i < n.inputs.size(); ++i) {
        const auto it = four_bit_.find(n.inputs[i]);
        if (it == four_bit_.end()) continue;
        const bool dq = n.domain.empty() && n.op_type == "DequantizeLinear" && (i == 0 || i == 2);
        if (!dq)
          throw Error(ErrorKind::kUnsupported, Graph::where(n) + ": input " + std::to_string(i) + " is the " + it->second +
                                                   " initializer '" + name(n.inputs[i]) +
                                                   "'; edgewm reads 4-bit values only as DequantizeLinear's input and "
                                                   "zero point (dequantised on load)");
        const ValueId other = i == 0 ? (n.inputs.size() > 2 ? n.inputs[2] : kNoValue) : n.inputs[0];
        if (other != kNoValue && (!four_bit_.count(other) || four_bit_.at(other) != it->second))
          throw Error(ErrorKind::kInvalidModel, Graph::where(n) + ": '" + name(n.inputs[i]) + "' is " + it->second +
                                                    " but '" + name(other) + "' is not: a zero point has its input's type");
      }
    for (const auto& o : model_.graph().output()) {
      const auto id = ids_.find(o.name());
      if (id != ids_.end() && four_bit_.count(id->second))
        throw Error(ErrorKind::kUnsupported, "graph output '" + o.name() + "' is a 4-bit initializer: not supported");
    }
  }

  void read_opsets(std::map<std::string, std::string>& meta) {
    for (const auto& o : model_.opset_import()) {
      std::string d = o.domain() == "ai.onnx" ? "" : o.domain();
      if (o.version() < 1 || (d.empty() && o.version() > kMaxOnnxOpset))
        throw Error(ErrorKind::kInvalidModel, "the model imports opset " + std::to_string(o.version()) + " of domain '" +
                                                  (d.empty() ? "ai.onnx" : d) + "'" +
                                                  (d.empty() ? " (ONNX opsets are 1.." + std::to_string(kMaxOnnxOpset) + ")" : ""));
      opsets_[d] = static_cast<int>(o.version());
      meta["opset" + (d.empty() ? std::string() : "." + d)] = std::to_string(o.version());
    }
    // Very old models (IR < 3) have no opset_import and imply opset 1. A model may also use only
    // other domains; its default-domain nodes are then reported when met.
    if (!opsets_.count("") && model_.ir_version() < 3) opsets_[""] = 1;
    checker_.set_ir_version(static_cast<int>(model_.ir_version()));
    checker_.set_opset_imports(opsets_);
  }

  // ONNX's own checker on one node (libonnx): attribute names and types, input and output
  // counts, the op existing at the model's opset. Nodes of an opset newer than this libonnx
  // knows (its schemas would be the wrong version) are left to shape inference.
  void check_with_onnx(const onnx::NodeProto& p, const Node& n, const std::string& where) {
    if (!n.domain.empty()) return;
    static const int known = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map().at(onnx::ONNX_DOMAIN).second;
    if (n.opset > known) return;
    try {
      onnx::checker::LexicalScopeContext lex;
      onnx::checker::check_node(p, checker_, lex);
    } catch (const std::exception& e) {
      throw Error(ErrorKind::kInvalidModel, where + ": " + e.what());
    }
  }

  void check_required_batch() const {
    if (opt_.required_batch <= 0 || dynamic_batch_inputs_ > 0) return;
    for (ValueId id : graph_->inputs) {
      const Value& v = graph_->values[id];
      if (v.shape.rank() > 0 && v.shape[0] != opt_.required_batch && !opt_.input_shapes.count(v.name))
        throw Error(ErrorKind::kInvalidArgument,
                    "batch " + std::to_string(opt_.required_batch) + " asked, but input '" + v.name +
                        "' has a fixed leading dim of " + std::to_string(v.shape[0]) +
                        " and no input has a dynamic batch axis; re-export with dynamic_axes={'" + v.name +
                        "': {0: 'batch'}}");
    }
  }

  static DeclaredOutput declared_output(const onnx::ValueInfoProto& o) {
    DeclaredOutput d;
    if (!o.type().has_tensor_type()) return d;
    const auto& tt = o.type().tensor_type();
    if (tt.elem_type() != 0) {
      d.dtype = dtype_from_onnx(tt.elem_type());
      if (d.dtype == DType::kUndefined)
        throw Error(ErrorKind::kUnsupported, "graph output '" + o.name() + "' has unsupported element type " +
                                                 std::to_string(tt.elem_type()));
    }
    if (tt.has_shape()) {
      d.has_shape = true;
      for (const auto& dim : tt.shape().dim()) d.dims.push_back(dim.has_dim_value() && dim.dim_value() >= 0 ? dim.dim_value() : -1);
    }
    return d;
  }

  void add_graph_input(const onnx::ValueInfoProto& in) {
    Value v;
    v.name = in.name();
    const auto& type = in.type();
    if (!type.has_tensor_type())
      throw Error(ErrorKind::kUnsupported, "input '" + in.name() + "' is not a tensor (sequences/maps are not supported)");
    v.dtype = dtype_from_onnx(type.tensor_type().elem_type());
    if (v.dtype == DType::kUndefined)
      throw Error(ErrorKind::kUnsupported, "input '" + in.name() + "' has unsupported element type " +
                                               std::to_string(type.tensor_type().elem_type()));
    auto shape_it = opt_.input_shapes.find(in.name());
    if (shape_it != opt_.input_shapes.end()) {
      v.shape = shape_it->second;
      if (type.tensor_type().has_shape()) {
        const auto& dims = type.tensor_type().shape().dim();
        if (dims.size() != v.shape.rank())
          throw Error(ErrorKind::kInvalidArgument, "input '" + in.name() + "' has rank " + std::to_string(dims.size()) +
                                                       ", the given shape " + v.shape.str() + " does not");
        // A static dim was baked into the exported graph (Reshape constants...): changing it
        // would give wrong answers, not errors.
        for (int d = 0; d < dims.size(); ++d)
          if (dims[d].has_dim_value() && dims[d].dim_value() != v.shape[d])
            throw Error(ErrorKind::kInvalidArgument,
                        "input '" + in.name() + "' dim " + std::to_string(d) + " is fixed at " +
                            std::to_string(dims[d].dim_value()) + " in the model, the given shape " + v.shape.str() +
                            " changes it; re-export with that axis dynamic (torch.onnx.export dynamic_axes/dynamic_shapes)");
      }
    } else if (!type.tensor_type().has_shape()) {
      throw Error(ErrorKind::kInvalidArgument, "input '" + in.name() + "' has no shape in the model; give one with --input-shape " + in.name() + "=...");
    } else {
      const auto& dims = type.tensor_type().shape().dim();
      for (int d = 0; d < dims.size(); ++d) {
        if (dims[d].has_dim_value() && dims[d].dim_value() >= 0) {
          v.shape.push_back(dims[d].dim_value());
        } else if (d == 0) {
          v.shape.push_back(opt_.default_batch);
          ++dynamic_batch_inputs_;
        } else {
          std::string sym = dims[d].has_dim_param() ? "'" + dims[d].dim_param() + "'" : "unknown";
          throw Error(ErrorKind::kInvalidArgument, "input '" + in.name() + "' dim " + std::to_string(d) + " is " + sym +
                                                       "; fix it with --input-shape " + in.name() + "=...");
        }
      }
    }
    if (checked_tensor_bytes(v.dtype, v.shape) < 0)
      throw Error(ErrorKind::kInvalidModel, "input '" + in.name() + "' of shape " + v.shape.str() + " would be larger than " +
                                                std::to_string(kMaxTensorBytes >> 30) + " GiB");
    v.shape_known = true;
    auto value_it = opt_.input_values.find(in.name());
    if (value_it != opt_.input_values.end()) {
      const Tensor& t = value_it->second;
      if (t.dtype() != v.dtype || t.shape() != v.shape)
        throw Error(ErrorKind::kInvalidArgument, "value for input '" + in.name() + "' is " + describe(t.view()) +
                                                     ", the model expects " + dtype_name(v.dtype) + "[" + v.shape.str() + "]");
      ids_[in.name()] = graph_->add_constant(in.name(), Tensor::copy_of(t.view()));
      return;
    }
    ValueId id = graph_->add_value(v);
    ids_[in.name()] = id;
    graph_->inputs.push_back(id);
  }

  ValueId output_value(const std::string& name, const std::string& where) {
    if (ids_.count(name)) throw Error(ErrorKind::kInvalidModel, where + ": output '" + name + "' is already defined");
    Value v;
    v.name = name;
    ValueId id = graph_->add_value(v);
    ids_[name] = id;
    return id;
  }

  void add_node(const onnx::NodeProto& p, int index) {
    std::vector<onnx::NodeProto> expansion;
    auto default_opset = opsets_.find("");
    onnx::NodeProto named;  // the expansion names its values after the node: unnamed ones get the importer's name
    if (p.domain() == "com.microsoft" && p.name().empty()) {
      named = p;
      named.set_name(p.op_type() + "_" + std::to_string(index));
    }
    if (p.domain() == "com.microsoft" && opsets_.count("com.microsoft") && default_opset != opsets_.end() &&
        expand_qoperator(named.op_type().empty() ? p : named, default_opset->second, expansion)) {
      for (const onnx::NodeProto& q : expansion) add_node(q, index);
      return;
    }
    Node n;
    n.name = p.name().empty() ? p.op_type() + "_" + std::to_string(index) : p.name();
    n.op_type = p.op_type();
    n.domain = p.domain() == "ai.onnx" ? "" : p.domain();
    auto opset_it = opsets_.find(n.domain);
    if (opset_it == opsets_.end())
      throw Error(ErrorKind::kInvalidModel, "node '" + n.name + "' uses domain '" + n.domain + "', which the model does not import");
    n.opset = opset_it->second;
    const std::string where = Graph::where(n);

    if (n.domain.empty() && n.op_type == "Constant") {
      if (p.output_size() != 1) throw Error(ErrorKind::kInvalidModel, where + ": needs exactly one output");
      ValueId id = output_value(p.output(0), where);
      graph_->set_constant(id, constant_node_value(p, base_dir_, where));
      return;
    }
    if (!builtin_ops().find(n.op_type, n.domain)) {
      auto& u = unsupported_[(n.domain.empty() ? "" : n.domain + ".") + n.op_type];
      if (u.count++ == 0) u.first_where = where;
      return;
    }
    check_with_onnx(p, n, where);  // ops edgewm runs (none of them has a subgraph)
    for (const auto& name : p.input()) {
      if (name.empty()) {
        n.inputs.push_back(kNoValue);
        continue;
      }
      auto it = ids_.find(name);
      if (it == ids_.end()) {
        // Defined later (unsorted graph): create the value now, its producer claims it.
        ValueId id = graph_->add_value(Value{name});
        ids_[name] = id;
        pending_.insert(name);
        n.inputs.push_back(id);
      } else {
        n.inputs.push_back(it->second);
      }
    }
    for (const auto& name : p.output()) {
      if (name.empty()) {
        n.outputs.push_back(kNoValue);
      } else if (pending_.erase(name)) {
        n.outputs.push_back(ids_[name]);
      } else {
        n.outputs.push_back(output_value(name, where));
      }
    }
    for (const auto& a : p.attribute()) n.attrs.set(convert_attribute(a, base_dir_, where));
    graph_->nodes.push_back(std::move(n));
  }

  const onnx::ModelProto& model_;
  std::map<ValueId, std::string> four_bit_;  // 4-bit initializers (unpacked): INT4 or UINT4
  std::string base_dir_;
  const ImportOptions& opt_;
  int dynamic_batch_inputs_ = 0;
  Graph* graph_ = nullptr;
  std::unordered_map<std::string, int> opsets_;
  onnx::checker::CheckerContext checker_;
  std::unordered_map<std::string, ValueId> ids_;
  std::set<std::string> pending_;
  struct Unsupported {
    int count = 0;
    std::string first_where;
  };
  std::map<std::string, Unsupported> unsupported_;  // by op type, sorted for stable messages
};

}  // namespace

ImportedModel import_onnx_bytes(const std::string& bytes, const std::string& base_dir, const ImportOptions& options,
                                const std::string& what) {
  onnx::ModelProto m;
  if (!m.ParseFromString(bytes)) throw Error(ErrorKind::kInvalidModel, what + ": not a valid ONNX model (protobuf parse failed)");
  return Importer(m, base_dir, options).run();
}

std::vector<std::string> onnx_input_names(const std::string& path) {
  regular_file_size(path, "ONNX model");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(ErrorKind::kIo, "cannot open " + path);
  onnx::ModelProto m;
  if (!m.ParseFromIstream(&f)) throw Error(ErrorKind::kInvalidModel, path + ": not a valid ONNX model (protobuf parse failed)");
  std::set<std::string> inits;
  for (const auto& i : m.graph().initializer()) inits.insert(i.name());
  std::vector<std::string> names;
  for (const auto& in : m.graph().input()) {
    if (inits.count(in.name())) continue;
    if (!in.type().has_tensor_type())
      throw Error(ErrorKind::kUnsupported, path + ": input '" + in.name() +
                                               "' is not a tensor (sequences, maps and optionals are not supported)");
    names.push_back(in.name());
  }
  return names;
}

ImportedModel import_onnx_file(const std::string& path, const ImportOptions& options) {
  regular_file_size(path, "ONNX model");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(ErrorKind::kIo, "cannot open " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  auto base = std::filesystem::path(path).parent_path().string();
  try {
    return import_onnx_bytes(ss.str(), base, options, path);
  } catch (const Error& e) {
    if (std::string(e.what()).rfind(path, 0) == 0) throw;
    throw e.prefixed(path);
  }
}

void check_declared_outputs(const Graph& graph, const std::vector<DeclaredOutput>& declared) {
  for (size_t i = 0; i < declared.size() && i < graph.outputs.size(); ++i) {
    const DeclaredOutput& d = declared[i];
    const Value& v = graph.value(graph.outputs[i]);
    std::string want = d.dtype == DType::kUndefined ? "?" : dtype_name(d.dtype);
    if (d.has_shape) {
      want += "[";
      for (size_t k = 0; k < d.dims.size(); ++k) want += (k ? "x" : "") + (d.dims[k] < 0 ? "?" : std::to_string(d.dims[k]));
      want += "]";
    }
    bool ok = d.dtype == DType::kUndefined || v.dtype == d.dtype;
    if (d.has_shape && v.shape_known) {
      ok = ok && static_cast<size_t>(v.shape.rank()) == d.dims.size();
      for (size_t k = 0; ok && k < d.dims.size(); ++k) ok = d.dims[k] < 0 || d.dims[k] == v.shape[static_cast<int>(k)];
    }
    if (!ok)
      throw Error(ErrorKind::kInvalidModel, "graph output '" + v.name + "' is declared " + want + " but the graph computes " +
                                                dtype_name(v.dtype) + "[" + (v.shape_known ? v.shape.str() : "?") + "]");
  }
}

}  // namespace edgewm
