#include "kernels/register_ops.h"

#include "ir/op_registry.h"
#include "kernels/conv/conv_im2col.h"
#include "kernels/conv/conv_transpose_col2im.h"
#include "kernels/conv/upsample_conv_gemm.h"
#include "kernels/gemm/gemm_ops.h"
#include "kernels/pool/pool2d.h"
#include "kernels/pool/resize_nearest.h"
#include "kernels/quant/qlinear.h"
#include "kernels/quant/quantize_linear.h"

namespace edgewm {

void register_all_ops(OpRegistry& r) {
  register_unary_ops(r);
  register_binary_ops(r);
  register_movement_ops(r);
  register_reduce_ops(r);
  register_nn_ops(r);
  register_quant_ops(r);
  // Portable fast kernels (the plain C++ drivers, any CPU), then every ISA's.
  register_portable_conv(r);
  register_portable_conv_transpose(r);
  register_portable_upsample_conv(r);
  register_blocked_matmul(r);
  register_blocked_einsum(r);
  register_pool2d(r);
  register_resize_nearest(r);
  register_quantize_linear(r);
  register_qlinear_binary(r);
  register_portable_qlinear(r);
  register_isa_kernels(r);
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
