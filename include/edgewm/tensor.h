#pragma once
#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "edgewm/dtype.h"
#include "edgewm/error.h"
#include "edgewm/shape.h"

namespace edgewm {

// The most bytes one tensor may hold (64 GiB): shape inference refuses larger outputs and no
// tensor of more is allocated, so no size computation downstream can overflow.
inline constexpr int64_t kMaxTensorBytes = int64_t{1} << 36;

// Bytes of a tensor of `dtype` and `shape`, or -1 when the count overflows or the bytes exceed
// kMaxTensorBytes.
inline int64_t checked_tensor_bytes(DType dtype, const Shape& shape) {
  const int64_t n = shape.checked_numel();
  int64_t bytes = 0;
  if (n < 0 || __builtin_mul_overflow(n, static_cast<int64_t>(dtype_size(dtype)), &bytes) || bytes > kMaxTensorBytes)
    return -1;
  return bytes;
}

// Non-owning view of typed, dense, row-major data. Cheap to copy, never allocates.
struct TensorView {
  void* data = nullptr;
  DType dtype = DType::kUndefined;
  Shape shape;

  bool empty() const { return data == nullptr && dtype == DType::kUndefined; }
  int64_t numel() const { return shape.numel(); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype); }

  template <class T> T* as() const {
    if (DTypeOf<T>::value != dtype)
      throw Error(ErrorKind::kInternal, std::string("tensor is ") + dtype_name(dtype) +
                                            ", accessed as " + dtype_name(DTypeOf<T>::value));
    return static_cast<T*>(data);
  }
};

// Owning tensor with 64-byte aligned storage.
class Tensor {
 public:
  Tensor() = default;
  Tensor(DType dtype, Shape shape);  // zero-filled
  static Tensor copy_of(const TensorView& v);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t numel() const { return shape_.numel(); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }
  void* data() { return data_.get(); }
  const void* data() const { return data_.get(); }
  template <class T> T* as() { return view().as<T>(); }
  template <class T> const T* as() const { return view().as<T>(); }
  TensorView view() const { return TensorView{data_.get(), dtype_, shape_}; }
  // Same bytes, new shape of equal element count.
  void reshape(const Shape& s);

 private:
  struct Free {
    void operator()(void* p) const;
  };
  std::unique_ptr<void, Free> data_;
  DType dtype_ = DType::kUndefined;
  Shape shape_;
};

std::string describe(const TensorView& v);  // "f32[1x3x32x32]"

}  // namespace edgewm
