#pragma once
// Calls fn(T{}) with the C++ type of a runtime dtype, so one template serves every dtype.
#include <cstdint>

#include "edgewm/error.h"
#include "edgewm/tensor.h"

namespace edgewm::ref {

// Float types computed natively (f16 is handled by ops that support it explicitly).
template <class F> decltype(auto) dispatch_float(DType t, F&& fn) {
  switch (t) {
    case DType::kF32: return fn(float{});
    case DType::kF64: return fn(double{});
    default: throw Error(ErrorKind::kUnsupported, std::string("dtype ") + dtype_name(t) + " is not supported here");
  }
}

template <class F> decltype(auto) dispatch_numeric(DType t, F&& fn) {
  switch (t) {
    case DType::kF32: return fn(float{});
    case DType::kF64: return fn(double{});
    case DType::kI8: return fn(int8_t{});
    case DType::kU8: return fn(uint8_t{});
    case DType::kI16: return fn(int16_t{});
    case DType::kU16: return fn(uint16_t{});
    case DType::kI32: return fn(int32_t{});
    case DType::kU32: return fn(uint32_t{});
    case DType::kI64: return fn(int64_t{});
    case DType::kU64: return fn(uint64_t{});
    default: throw Error(ErrorKind::kUnsupported, std::string("dtype ") + dtype_name(t) + " is not supported here");
  }
}

template <class F> decltype(auto) dispatch_all(DType t, F&& fn) {
  if (t == DType::kBool) return fn(bool{});
  return dispatch_numeric(t, fn);
}

}  // namespace edgewm::ref
