#include "edgewm/dtype.h"

#include <cstring>

namespace edgewm {

namespace {
struct Info {
  const char* name;
  size_t size;
};
constexpr Info kInfo[kNumDTypes] = {
    {"undefined", 0}, {"f32", 4}, {"f16", 2}, {"f64", 8}, {"i8", 1},  {"u8", 1},  {"i16", 2},
    {"i32", 4},       {"i64", 8}, {"bool", 1}, {"u16", 2}, {"u32", 4}, {"u64", 8},
};
}  // namespace

bool dtype_is_valid(uint8_t raw) { return raw > 0 && raw < kNumDTypes; }
size_t dtype_size(DType t) { return dtype_is_valid(static_cast<uint8_t>(t)) ? kInfo[static_cast<int>(t)].size : 0; }
const char* dtype_name(DType t) {
  return static_cast<uint8_t>(t) < kNumDTypes ? kInfo[static_cast<int>(t)].name : "invalid";
}
DType dtype_from_name(std::string_view name) {
  for (int i = 1; i < kNumDTypes; ++i)
    if (name == kInfo[i].name) return static_cast<DType>(i);
  return DType::kUndefined;
}
bool dtype_is_float(DType t) { return t == DType::kF32 || t == DType::kF16 || t == DType::kF64; }

float half_to_float(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400) == 0) {
        mant <<= 1;
        --exp;
      }
      bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t absx = x & 0x7fffffff;
  if (absx >= 0x7f800000u) return static_cast<uint16_t>(sign | 0x7c00 | (absx > 0x7f800000u ? 0x200 : 0));
  if (absx >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00);  // overflow to inf
  if (absx < 0x38800000u) {  // subnormal or zero in half
    if (absx < 0x33000000u) return static_cast<uint16_t>(sign);
    uint32_t exp = absx >> 23, mant = (absx & 0x7fffff) | 0x800000;
    uint32_t shift = 113 - exp + 13;  // 126-14 = 112 ... aligns to half subnormal
    uint32_t half = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = ((absx >> 13) - ((127 - 15) << 10));
  uint32_t rem = absx & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (half & 1))) ++half;
  return static_cast<uint16_t>(sign | half);
}

}  // namespace edgewm
