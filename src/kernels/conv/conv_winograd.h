#pragma once
// 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray 2016):
// each 2x2 output tile costs 16 multiplies per (input, output) channel pair instead of 36, so
// the GEMM work falls 2.25x. Input tiles and weights go to the Winograd domain (16 points),
// 16 GEMMs [out ch x in ch] x [in ch x tiles] run on the vectorised micro-kernel, and the
// output transform adds the bias. Used where the GEMMs are wide enough to pay for the
// transforms (see winograd_f23_supports).
#include "ir/op_registry.h"

namespace edgewm {

// The convolutions both F(2x2, 3x3) kernels take (this f32 one, and the integer one in
// kernels/quant/qlinear_winograd.cc): 4-D, a 3x3 kernel, one group, stride and dilation 1.
struct WinogradGeometry {
  int64_t n = 0, c = 0, m = 0, h = 0, w = 0, oh = 0, ow = 0, pad_t = 0, pad_l = 0;
  int64_t th = 0, tw = 0, tiles = 0;  // 2x2 output tiles
};
// False where the node is not such a convolution (x and w: its input and weight shapes).
bool winograd_f23_geometry(const Attributes& attrs, const Shape& x, const Shape& w, WinogradGeometry& geo);

bool winograd_f23_supports(const Node& n, const Graph& g);
size_t winograd_f23_scratch(const Node& n, const Graph& g);  // 0 where unsupported
// The weights in the Winograd domain, once per session (null when they are not constant).
std::shared_ptr<const void> winograd_f23_prepare(const KernelContext& ctx, const Graph& g);
struct IsaTable;
// On an ISA's GEMM micro-kernel, transforms and rows.
void conv_winograd_f23(const KernelContext& ctx, const IsaTable& isa);

}  // namespace edgewm
