// Every ISA table of this build (kernels/isa_table.h) becomes the same set of fast f32 kernels,
// named after the table and ranked by its priority, each run only where isa_enabled() says the
// CPU (capped by EDGEWM_ISA) has the ISA. x86 and ARM register through this one function.
#include <string>
#include <utility>

#include "ir/op_registry.h"
#include "kernels/conv/conv_im2col.h"
#include "kernels/conv/conv_transpose_col2im.h"
#include "kernels/conv/upsample_conv_gemm.h"
#include "kernels/conv/conv_winograd.h"
#include "kernels/conv/depthwise_conv.h"
#include "kernels/gemm/gemm_ops.h"
#include "kernels/isa_table.h"
#include "kernels/quant/qlinear.h"
#include "kernels/quant/quantize_linear.h"
#include "kernels/register_ops.h"

namespace edgewm {

namespace {

// Listed in kBuildIsas, so the table exists.
template <Isa I> const IsaTable& table() { return *isa_table(I); }

template <Isa I> bool f32(const Node& n, const Graph& g) {
  return isa_enabled(I) && g.value(n.inputs[0]).dtype == DType::kF32;
}
template <Isa I, bool (*Also)(const Node&, const Graph&)> bool f32_and(const Node& n, const Graph& g) {
  return f32<I>(n, g) && Also(n, g);
}

template <Isa I> void conv(const KernelContext& ctx) { conv_f32_with(ctx, table<I>()); }
template <Isa I> void conv_winograd(const KernelContext& ctx) { conv_winograd_f23(ctx, table<I>()); }
template <Isa I> void conv_depthwise(const KernelContext& ctx) { conv_depthwise_f32(ctx, table<I>()); }
template <Isa I> void conv_transpose(const KernelContext& ctx) { conv_transpose_f32_with(ctx, &table<I>().gemm); }
template <Isa I> void upsample_conv(const KernelContext& ctx) { upsample_conv_f32_with(ctx, &table<I>().gemm); }
template <Isa I> void gemm(const KernelContext& ctx) { gemm_f32_with(ctx, &table<I>().gemm); }
template <Isa I> void matmul(const KernelContext& ctx) { matmul_f32_with(ctx, &table<I>().gemm); }
template <Isa I> void einsum(const KernelContext& ctx) { einsum_f32_with(ctx, &table<I>().gemm); }
template <Isa I> void sigmoid(const KernelContext& ctx) { sigmoid_f32(ctx, table<I>().rows); }
template <Isa I> void silu(const KernelContext& ctx) { silu_f32(ctx, table<I>().rows); }
template <Isa I> void group_norm(const KernelContext& ctx) { group_norm_f32(ctx, table<I>().rows, table<I>().qgemm->rows); }
// f32 math: an f32 input, or an 8-bit one dequantised (its f32 scale and bias say so).
template <Isa I> bool group_norm_ok(const Node& n, const Graph& g) {
  return isa_enabled(I) && g.value(n.inputs[1]).dtype == DType::kF32 &&
         (g.value(n.inputs[0]).dtype == DType::kF32 || (n.inputs.size() > 3 && n.inputs[3] != kNoValue));
}
template <Isa I> void instance_norm(const KernelContext& ctx) { instance_norm_f32(ctx, table<I>().rows); }
template <Isa I> void qlinear_conv(const KernelContext& ctx) { qlinear_conv_with(ctx, *table<I>().qgemm); }
template <Isa I> void qlinear_matmul(const KernelContext& ctx) { qlinear_matmul_with(ctx, *table<I>().qgemm); }
template <Isa I> bool enabled_and(const Node& n, const Graph& g, bool (*also)(const Node&, const Graph&)) {
  return isa_enabled(I) && also(n, g);
}
template <Isa I> void qlinear_winograd(const KernelContext& ctx) { qlinear_winograd_with(ctx, *table<I>().qgemm); }
// Whether this CPU's byte kernels sum exactly (VNNI, AVX-VNNI, sdot): then integer Winograd,
// on 16-bit products, must beat im2col on bytes (qlinear_winograd_beats_exact_bytes).
bool cpu_bytes_exact() {
  static const bool exact = [] {
    for (Isa isa : kBuildIsas)
      if (isa_enabled(isa) && isa_table(isa)->qgemm->c4_exact) return true;
    return false;
  }();
  return exact;
}
template <int E> bool qwinograd_pays(const Node& n, const Graph& g) {
  return !cpu_bytes_exact() || qlinear_winograd_beats_exact_bytes(n, g, E);
}
template <Isa I> bool qwinograd_ok(const Node& n, const Graph& g) {
  return enabled_and<I>(n, g, qlinear_winograd_supports) && qwinograd_pays<2>(n, g);
}
template <Isa I> void qlinear_winograd43(const KernelContext& ctx) { qlinear_winograd43_with(ctx, *table<I>().qgemm); }
template <Isa I> void qlinear_depthwise(const KernelContext& ctx) { qlinear_depthwise_with(ctx, *table<I>().qgemm); }
template <Isa I> bool qdepthwise_ok(const Node& n, const Graph& g) { return enabled_and<I>(n, g, qlinear_depthwise_supports); }
template <Isa I> bool qwinograd43_ok(const Node& n, const Graph& g) {
  return enabled_and<I>(n, g, qlinear_winograd43_supports) && qwinograd_pays<4>(n, g);
}
template <Isa I> void quantize(const KernelContext& ctx) { quantize_with(ctx, *table<I>().qgemm); }
template <Isa I> void dequantize(const KernelContext& ctx) { dequantize_with(ctx, *table<I>().qgemm); }
template <Isa I> bool quantize_ok(const Node& n, const Graph& g) { return enabled_and<I>(n, g, quantize_supports); }
template <Isa I> bool dequantize_ok(const Node& n, const Graph& g) { return enabled_and<I>(n, g, dequantize_supports); }
template <Isa I> bool qconv_ok(const Node& n, const Graph& g) { return enabled_and<I>(n, g, qlinear_conv_supports); }
template <Isa I> bool qmatmul_ok(const Node& n, const Graph& g) { return enabled_and<I>(n, g, qlinear_matmul_supports); }
template <Isa I> void softmax(const KernelContext& ctx) { softmax_f32(ctx, table<I>().rows); }
template <Isa I> void qlinear_binary(const KernelContext& ctx) { qlinear_binary_with(ctx, *table<I>().qgemm); }
template <Isa I> bool qbinary_ok(const Node& n, const Graph& g) { return enabled_and<I>(n, g, qlinear_binary_supports); }

template <Isa I> void register_isa(OpRegistry& r) {
  const IsaTable& t = table<I>();
  const std::string name = t.name;
  const int p = t.priority;
  // Conv and edgewm.FusedConv (Conv + the Add after it) share every kernel.
  for (const char* op : {"Conv", "FusedConv", "ConvAdd"}) {  // ConvAdd: FusedConv's former name
    const std::string_view domain = std::string_view(op) == "Conv" ? "" : "edgewm";
    r.add_kernel(op, KernelDef{name, conv<I>, f32<I>, p, conv_scratch}, domain);
    r.add_kernel(op, KernelDef{name + ".depthwise", conv_depthwise<I>, f32_and<I, is_depthwise_conv>, p + 50,
                               depthwise_scratch}, domain);
    // Above every im2col kernel, where it applies.
    r.add_kernel(op, KernelDef{name + ".winograd", conv_winograd<I>, f32_and<I, winograd_f23_supports>, p + 100,
                               winograd_f23_scratch, winograd_f23_prepare}, domain);
  }
  r.add_kernel("ConvTranspose", KernelDef{name, conv_transpose<I>, f32<I>, p, conv_transpose_scratch});
  r.add_kernel("UpsampleConv", KernelDef{name, upsample_conv<I>, f32_and<I, upsample_conv_gemm_supports>, p,
                                         upsample_conv_gemm_scratch}, "edgewm");
  r.add_kernel("Gemm", KernelDef{name, gemm<I>, f32<I>, p, gemm_scratch});
  r.add_kernel("MatMul", KernelDef{name, matmul<I>, f32<I>, p, matmul_scratch});
  r.add_kernel("Einsum", KernelDef{name, einsum<I>, f32_and<I, einsum_is_gemm>, p, einsum_scratch});
  r.add_kernel("Sigmoid", KernelDef{name, sigmoid<I>, f32<I>, p, nullptr});
  r.add_kernel("Softmax", KernelDef{name, softmax<I>, f32_and<I, softmax_rows_supports>, p, nullptr});
  r.add_kernel("InstanceNormalization", KernelDef{name, instance_norm<I>, f32<I>, p, nullptr});
  r.add_kernel("Silu", KernelDef{name, silu<I>, f32<I>, p, nullptr}, "edgewm");
  r.add_kernel("GroupNorm", KernelDef{name, group_norm<I>, group_norm_ok<I>, p, group_norm_scratch}, "edgewm");
  // Integer kernels (the tables' qgemm): the ops fuse-qdq makes of DQ -> Conv/MatMul -> Q.
  const bool exact = t.qgemm->c4_exact;  // any 8-bit weights on the byte kernels
  // QLinearConv, and edgewm.QLinearConv (its float epilogue: kernels/quant/qconv_output.h).
  for (const std::string_view domain : {"", "edgewm"}) {
    r.add_kernel("QLinearConv", KernelDef{name, qlinear_conv<I>, qconv_ok<I>, p, qlinear_conv_scratch,
                                          exact ? qlinear_conv_prepare_exact : qlinear_conv_prepare}, domain);
    r.add_kernel("QLinearConv", KernelDef{name + ".winograd", qlinear_winograd<I>, qwinograd_ok<I>, p + 100,
                                          qlinear_winograd_scratch, qlinear_winograd_prepare}, domain);
    r.add_kernel("QLinearConv", KernelDef{name + ".winograd_f43", qlinear_winograd43<I>, qwinograd43_ok<I>, p + 110,
                                          qlinear_winograd43_scratch, qlinear_winograd43_prepare}, domain);
    r.add_kernel("QLinearConv", KernelDef{name + ".depthwise", qlinear_depthwise<I>, qdepthwise_ok<I>, p + 50,
                                          qlinear_depthwise_scratch, qlinear_depthwise_prepare}, domain);
  }
  r.add_kernel("QuantizeLinear", KernelDef{name, quantize<I>, quantize_ok<I>, p, nullptr});
  for (const char* op : {"QLinearAdd", "QLinearMul"})
    r.add_kernel(op, KernelDef{name, qlinear_binary<I>, qbinary_ok<I>, p, nullptr}, "edgewm");
  r.add_kernel("DequantizeLinear", KernelDef{name, dequantize<I>, dequantize_ok<I>, p, nullptr});
  r.add_kernel("QLinearMatMul",
               KernelDef{name, qlinear_matmul<I>, qmatmul_ok<I>, p, qlinear_matmul_scratch,
                         exact ? qlinear_matmul_prepare_exact : qlinear_matmul_prepare});
  r.add_kernel("QGemm", KernelDef{name, qlinear_matmul<I>, qmatmul_ok<I>, p, qlinear_matmul_scratch,
                                  exact ? qlinear_matmul_prepare_exact : qlinear_matmul_prepare},
               "edgewm");
}

template <size_t... i> void register_all(OpRegistry& r, std::index_sequence<i...>) {
  (register_isa<kBuildIsas[i]>(r), ...);
}

}  // namespace

void register_isa_kernels(OpRegistry& r) { register_all(r, std::make_index_sequence<kBuildIsas.size()>{}); }

}  // namespace edgewm
