#include "passes/fuse.h"

namespace edgewm {

FusionReport fuse_graph(Graph& g) {
  FusionReport r;
  r.emplace_back("BatchNorm folded into Conv", fold_conv_batchnorm(g));
  r.emplace_back("identity arithmetic removed", remove_identity_arithmetic(g));
  r.emplace_back("GroupNorm chains fused", fuse_group_norm(g));
  r.emplace_back("SiLU fused", fuse_silu(g));
  r.emplace_back("GroupNorm + SiLU merged", fuse_group_norm_silu(g));
  r.emplace_back("nearest 2x Resize + Conv fused", fuse_upsample_conv(g));
  r.emplace_back("Conv + Add fused", fuse_conv_add(g));
  r.emplace_back("Conv + activation fused", fuse_conv_activation(g));
  return r;
}

}  // namespace edgewm
