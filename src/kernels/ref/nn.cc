#include "ir/op_registry.h"
#include "kernels/register_ops.h"

namespace edgewm {

void register_nn_ops(OpRegistry& r) {}

}  // namespace edgewm
