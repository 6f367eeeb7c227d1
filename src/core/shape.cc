#include "edgewm/shape.h"

#include "edgewm/error.h"

namespace edgewm {

Shape::Shape(std::initializer_list<int64_t> dims) : Shape(std::span<const int64_t>(dims.begin(), dims.size())) {}

Shape::Shape(std::span<const int64_t> dims) {
  if (dims.size() > static_cast<size_t>(kMaxRank))
    throw Error(ErrorKind::kUnsupported, "rank " + std::to_string(dims.size()) + " exceeds the maximum rank " +
                                             std::to_string(kMaxRank));
  rank_ = static_cast<int>(dims.size());
  for (int i = 0; i < rank_; ++i) dims_[i] = dims[i];
}

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int i = 0; i < rank_; ++i) n *= dims_[i];
  return n;
}

int64_t Shape::checked_numel() const {
  int64_t n = 1;
  for (int i = 0; i < rank_; ++i)
    if (dims_[i] < 0 || __builtin_mul_overflow(n, dims_[i], &n)) return -1;
  return n;
}

void Shape::push_back(int64_t d) {
  if (rank_ == kMaxRank)
    throw Error(ErrorKind::kUnsupported, "rank exceeds the maximum rank " + std::to_string(kMaxRank));
  dims_[rank_++] = d;
}

void Shape::resize(int rank, int64_t fill) {
  if (rank < 0 || rank > kMaxRank)
    throw Error(ErrorKind::kUnsupported, "rank " + std::to_string(rank) + " is outside [0, " +
                                             std::to_string(kMaxRank) + "]");
  for (int i = rank_; i < rank; ++i) dims_[i] = fill;
  rank_ = rank;
}

std::string Shape::str() const {
  if (rank_ == 0) return "scalar";
  std::string s;
  for (int i = 0; i < rank_; ++i) {
    if (i) s += 'x';
    s += std::to_string(dims_[i]);
  }
  return s;
}

bool Shape::operator==(const Shape& o) const {
  if (rank_ != o.rank_) return false;
  for (int i = 0; i < rank_; ++i)
    if (dims_[i] != o.dims_[i]) return false;
  return true;
}

}  // namespace edgewm
