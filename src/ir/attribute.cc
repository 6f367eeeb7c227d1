#include "ir/attribute.h"

#include <algorithm>

namespace edgewm {

const char* attribute_kind_name(Attribute::Kind k) {
  switch (k) {
    case Attribute::Kind::kInt: return "int";
    case Attribute::Kind::kFloat: return "float";
    case Attribute::Kind::kString: return "string";
    case Attribute::Kind::kInts: return "ints";
    case Attribute::Kind::kFloats: return "floats";
    case Attribute::Kind::kStrings: return "strings";
    case Attribute::Kind::kTensor: return "tensor";
  }
  return "unknown";
}

void Attributes::set(Attribute a) {
  for (auto& x : attrs_)
    if (x.name == a.name) {
      x = std::move(a);
      return;
    }
  attrs_.push_back(std::move(a));
}

const Attribute* Attributes::find(std::string_view name) const {
  for (const auto& a : attrs_)
    if (a.name == name) return &a;
  return nullptr;
}

void Attributes::erase(std::string_view name) {
  attrs_.erase(std::remove_if(attrs_.begin(), attrs_.end(), [&](const Attribute& a) { return a.name == name; }),
               attrs_.end());
}

const Attribute* Attributes::expect(std::string_view name, Attribute::Kind kind) const {
  const Attribute* a = find(name);
  if (a && a->kind != kind)
    throw Error(ErrorKind::kInvalidModel, "attribute '" + std::string(name) + "' is " + attribute_kind_name(a->kind) +
                                              ", expected " + attribute_kind_name(kind));
  return a;
}

int64_t Attributes::get_int(std::string_view name, int64_t fallback) const {
  const Attribute* a = expect(name, Attribute::Kind::kInt);
  return a ? a->i : fallback;
}

float Attributes::get_float(std::string_view name, float fallback) const {
  const Attribute* a = expect(name, Attribute::Kind::kFloat);
  return a ? a->f : fallback;
}

std::string_view Attributes::get_string(std::string_view name, std::string_view fallback) const {
  const Attribute* a = expect(name, Attribute::Kind::kString);
  return a ? std::string_view(a->s) : fallback;
}

std::span<const int64_t> Attributes::get_ints(std::string_view name) const {
  const Attribute* a = expect(name, Attribute::Kind::kInts);
  return a ? std::span<const int64_t>(a->ints) : std::span<const int64_t>();
}

std::span<const float> Attributes::get_floats(std::string_view name) const {
  const Attribute* a = expect(name, Attribute::Kind::kFloats);
  return a ? std::span<const float>(a->floats) : std::span<const float>();
}

const Tensor* Attributes::get_tensor(std::string_view name) const {
  const Attribute* a = expect(name, Attribute::Kind::kTensor);
  return a ? a->tensor.get() : nullptr;
}

int64_t Attributes::require_int(std::string_view name) const {
  const Attribute* a = expect(name, Attribute::Kind::kInt);
  if (!a) throw Error(ErrorKind::kInvalidModel, "required attribute '" + std::string(name) + "' is missing");
  return a->i;
}

}  // namespace edgewm
