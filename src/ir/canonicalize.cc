// Older opsets pass some operands as attributes; kernels implement only the newer input form.
#include <cstring>

#include "ir/shape_inference.h"

namespace edgewm {

namespace {

Tensor ints_tensor(std::span<const int64_t> v) {
  Tensor t(DType::kI64, Shape{static_cast<int64_t>(v.size())});
  if (!v.empty()) std::memcpy(t.data(), v.data(), v.size() * sizeof(int64_t));
  return t;
}

// A scalar of `dtype` holding `value` (for Clip/Pad constants of float inputs).
Tensor scalar_like(DType dtype, double value, const Node& n) {
  Tensor t(dtype, Shape{});
  switch (dtype) {
    case DType::kF32: *t.as<float>() = static_cast<float>(value); break;
    case DType::kF64: *t.as<double>() = value; break;
    case DType::kF16: *static_cast<uint16_t*>(t.data()) = float_to_half(static_cast<float>(value)); break;
    case DType::kI32: *t.as<int32_t>() = static_cast<int32_t>(value); break;
    case DType::kI64: *t.as<int64_t>() = static_cast<int64_t>(value); break;
    case DType::kI8: *t.as<int8_t>() = static_cast<int8_t>(value); break;
    case DType::kU8: *t.as<uint8_t>() = static_cast<uint8_t>(value); break;
    default:
      throw Error(ErrorKind::kUnsupported, Graph::where(n) + ": attribute-form constant of dtype " +
                                               dtype_name(dtype) + " is not supported");
  }
  return t;
}

// Moves integer-list attribute `attr` to input slot `slot` (padding skipped slots with "none").
void move_ints(Graph& g, Node& n, const char* attr, size_t slot) {
  const Attribute* a = n.attrs.find(attr);
  if (!a) return;
  if (a->kind != Attribute::Kind::kInts)
    throw Error(ErrorKind::kInvalidModel, Graph::where(n) + ": attribute '" + attr + "' must be ints");
  if (n.inputs.size() > slot && n.inputs[slot] != kNoValue)
    throw Error(ErrorKind::kInvalidModel, Graph::where(n) + ": '" + attr + "' given both as attribute and input");
  ValueId id = g.add_constant(n.name + "/" + attr, ints_tensor(a->ints));
  if (n.inputs.size() <= slot) n.inputs.resize(slot + 1, kNoValue);
  n.inputs[slot] = id;
  n.attrs.erase(attr);
}

bool is_reduce(const std::string& op) { return op.rfind("Reduce", 0) == 0; }

}  // namespace

bool canonicalize_node(Graph& g, Node& n) {
  if (!n.domain.empty()) return false;
  const std::string& op = n.op_type;
  const size_t values_before = g.values.size();
  if ((op == "Split" || op == "Squeeze" || op == "Unsqueeze") && n.opset < 13) {
    move_ints(g, n, op == "Split" ? "split" : "axes", 1);
  } else if (is_reduce(op) && (op == "ReduceSum" ? n.opset < 13 : n.opset < 18)) {
    move_ints(g, n, "axes", 1);
  } else if (op == "Slice" && n.opset < 10) {
    move_ints(g, n, "starts", 1);
    move_ints(g, n, "ends", 2);
    move_ints(g, n, "axes", 3);
  } else if (op == "Clip" && n.opset < 11) {
    DType t = g.value(n.inputs.at(0)).dtype;
    const Attribute* lo = n.attrs.find("min");
    const Attribute* hi = n.attrs.find("max");
    n.inputs.resize(3, kNoValue);
    if (lo) n.inputs[1] = g.add_constant(n.name + "/min", scalar_like(t, lo->f, n));
    if (hi) n.inputs[2] = g.add_constant(n.name + "/max", scalar_like(t, hi->f, n));
    n.attrs.erase("min");
    n.attrs.erase("max");
  } else if (op == "Pad" && n.opset < 11) {
    DType t = g.value(n.inputs.at(0)).dtype;
    move_ints(g, n, "pads", 1);
    const Attribute* value = n.attrs.find("value");
    n.inputs.resize(3, kNoValue);
    n.inputs[2] = g.add_constant(n.name + "/value", scalar_like(t, value ? value->f : 0.0, n));
    n.attrs.erase("value");
  } else {
    return false;
  }
  return g.values.size() != values_before;
}

}  // namespace edgewm
