#include "kernels/register_ops.h"

#include "ir/op_registry.h"
#include "kernels/conv/conv_im2col.h"
#include "kernels/pool2d.h"

namespace edgewm {

void register_all_ops(OpRegistry& r) {
  register_unary_ops(r);
  register_binary_ops(r);
  register_movement_ops(r);
  register_reduce_ops(r);
  register_nn_ops(r);
  register_portable_conv(r);
  register_pool2d(r);
#if defined(__x86_64__)
  register_x86_ops(r);
#elif defined(__aarch64__)
  register_arm_ops(r);
#endif
}

const OpRegistry& builtin_ops() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    register_all_ops(r);
    return r;
  }();
  return registry;
}

}  // namespace edgewm
