#include "kernels/register_ops.h"

#include "ir/op_registry.h"

namespace edgewm {

void register_all_ops(OpRegistry& r) {
  register_elementwise_ops(r);
  register_reduction_ops(r);
  register_shape_ops(r);
  register_nn_ops(r);
}

}  // namespace edgewm
