#pragma once
// Node attributes, the subset of ONNX attribute kinds the runtime needs.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgewm/tensor.h"

namespace edgewm {

struct Attribute {
  // Numbering is part of the .ewm format: append only.
  enum class Kind : uint8_t { kInt = 1, kFloat = 2, kString = 3, kInts = 4, kFloats = 5, kStrings = 6, kTensor = 7 };
  std::string name;
  Kind kind = Kind::kInt;
  int64_t i = 0;
  float f = 0.f;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;
  std::shared_ptr<Tensor> tensor;
};

const char* attribute_kind_name(Attribute::Kind k);

class Node;

// Typed, validated access. Getters return references/spans: reading attributes never allocates,
// so kernels may read them on every run.
class Attributes {
 public:
  void set(Attribute a);
  bool has(std::string_view name) const { return find(name) != nullptr; }
  const Attribute* find(std::string_view name) const;
  const std::vector<Attribute>& all() const { return attrs_; }
  std::vector<Attribute>& all() { return attrs_; }
  void erase(std::string_view name);

  // Each throws kInvalidModel naming the attribute when the kind is wrong.
  int64_t get_int(std::string_view name, int64_t fallback) const;
  float get_float(std::string_view name, float fallback) const;
  std::string_view get_string(std::string_view name, std::string_view fallback) const;
  std::span<const int64_t> get_ints(std::string_view name) const;  // empty if absent
  std::span<const float> get_floats(std::string_view name) const;
  const Tensor* get_tensor(std::string_view name) const;
  int64_t require_int(std::string_view name) const;

 private:
  const Attribute* expect(std::string_view name, Attribute::Kind kind) const;
  std::vector<Attribute> attrs_;
};

}  // namespace edgewm
