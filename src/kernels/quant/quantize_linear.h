#pragma once
// QuantizeLinear (f32 -> u8/i8) and DequantizeLinear (u8/i8/i32 -> f32), per tensor or per axis:
// what the reference kernels (kernels/ref/quant.cc) compute, in loops the compiler vectorises
// (rounding half to even by the 1.5 * 2^23 trick instead of a libm call per element), in parallel.
// Registered as "portable" beside the reference ones.
#include "ir/op_registry.h"

namespace edgewm {

void register_quantize_linear(OpRegistry& r);

}  // namespace edgewm
