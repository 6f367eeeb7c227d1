#include "edgewm/tensor.h"

#include <cstdlib>
#include <cstring>

namespace edgewm {

void Tensor::Free::operator()(void* p) const { std::free(p); }

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(shape) {
  for (int64_t d : shape.dims())
    if (d < 0) throw Error(ErrorKind::kInvalidArgument, "negative dimension in shape " + shape.str());
  if (dtype_size(dtype) == 0) throw Error(ErrorKind::kInvalidArgument, "tensor of undefined dtype");
  if (checked_tensor_bytes(dtype, shape) < 0)
    throw Error(ErrorKind::kOutOfMemory, std::string("a ") + dtype_name(dtype) + " tensor of shape " + shape.str() +
                                             " would be larger than the " + std::to_string(kMaxTensorBytes >> 30) +
                                             " GiB limit");
  // Never zero bytes: a zero-element tensor still has a valid, distinct address.
  size_t bytes = (nbytes() + 63) / 64 * 64 + 64;
  void* p = std::aligned_alloc(64, bytes);
  if (!p)
    throw Error(ErrorKind::kOutOfMemory, "out of memory allocating " + std::to_string(bytes) + " bytes for a " +
                                             dtype_name(dtype) + " tensor of shape " + shape.str());
  std::memset(p, 0, bytes);
  data_.reset(p);
}

Tensor Tensor::copy_of(const TensorView& v) {
  Tensor t(v.dtype, v.shape);
  if (v.nbytes()) std::memcpy(t.data(), v.data, v.nbytes());
  return t;
}

void Tensor::reshape(const Shape& s) {
  if (s.numel() != shape_.numel())
    throw Error(ErrorKind::kInvalidArgument, "cannot reshape " + shape_.str() + " to " + s.str());
  shape_ = s;
}

std::string describe(const TensorView& v) { return std::string(dtype_name(v.dtype)) + "[" + v.shape.str() + "]"; }

}  // namespace edgewm
