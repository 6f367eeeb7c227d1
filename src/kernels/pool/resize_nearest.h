#pragma once
// Resize by whole factors with nearest sampling (resize_nearest.cc): the fast twin of the
// reference Resize for upsampling layers, f32 and 8-bit.
#include "ir/op_registry.h"

namespace edgewm {

void register_resize_nearest(OpRegistry& r);

}  // namespace edgewm
