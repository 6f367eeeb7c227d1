#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace edgewm {

// Element types. Numbering is part of the .ewm format: append only.
enum class DType : uint8_t {
  kUndefined = 0,
  kF32 = 1,
  kF16 = 2,
  kF64 = 3,
  kI8 = 4,
  kU8 = 5,
  kI16 = 6,
  kI32 = 7,
  kI64 = 8,
  kBool = 9,
  kU16 = 10,
  kU32 = 11,
  kU64 = 12,
};
inline constexpr int kNumDTypes = 13;

size_t dtype_size(DType t);
const char* dtype_name(DType t);
// Parses the names dtype_name() prints ("f32", "i64"...); kUndefined if unknown.
DType dtype_from_name(std::string_view name);
bool dtype_is_float(DType t);
bool dtype_is_valid(uint8_t raw);

// IEEE half conversions (round to nearest even), used by casts and f16 weights.
float half_to_float(uint16_t h);
uint16_t float_to_half(float f);

template <class T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::kF32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::kF64; };
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::kI8; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::kU8; };
template <> struct DTypeOf<int16_t> { static constexpr DType value = DType::kI16; };
template <> struct DTypeOf<uint16_t> { static constexpr DType value = DType::kU16; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::kI32; };
template <> struct DTypeOf<uint32_t> { static constexpr DType value = DType::kU32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::kI64; };
template <> struct DTypeOf<uint64_t> { static constexpr DType value = DType::kU64; };
template <> struct DTypeOf<bool> { static constexpr DType value = DType::kBool; };

}  // namespace edgewm
