#pragma once
// Fixed-capacity shape: copying one never allocates, so the hot loop can pass views freely.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

namespace edgewm {

class Shape {
 public:
  static constexpr int kMaxRank = 8;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  explicit Shape(std::span<const int64_t> dims);

  int rank() const { return rank_; }
  int64_t operator[](int i) const { return dims_[i]; }
  int64_t& operator[](int i) { return dims_[i]; }
  // Negative index counts from the back, like Python.
  int64_t dim(int i) const { return dims_[i < 0 ? i + rank_ : i]; }
  std::span<const int64_t> dims() const { return {dims_.data(), static_cast<size_t>(rank_)}; }
  int64_t numel() const;
  // numel(), or -1 when a dimension is negative or the product overflows int64.
  int64_t checked_numel() const;
  void push_back(int64_t d);
  void resize(int rank, int64_t fill = 1);
  std::string str() const;  // "1x3x32x32", "scalar" for rank 0

  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }

 private:
  std::array<int64_t, kMaxRank> dims_{};
  int rank_ = 0;
};

}  // namespace edgewm
