#pragma once
// The depthwise Conv kernel: planes spread over the threads, each with its slice of scratch
// for the padded plane (see depthwise.h).
#include "ir/op_registry.h"

namespace edgewm {

bool is_depthwise_conv(const Node& n, const Graph& g);    // 2-D, group = in = out channels
size_t depthwise_scratch(const Node& n, const Graph& g);  // 0 where not depthwise
struct IsaTable;
void conv_depthwise_f32(const KernelContext& ctx, const IsaTable& isa);  // its depthwise plane and rows

}  // namespace edgewm
