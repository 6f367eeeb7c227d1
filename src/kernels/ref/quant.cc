// Linear quantisation as the ONNX spec defines it: QuantizeLinear, DequantizeLinear (opsets
// 10-21: per-tensor, per-axis and blocked scales) and DynamicQuantizeLinear. The oracle of the
// integer kernels: element by element, the spec's arithmetic order (x / scale in float, round
// half to even, + zero point, saturate).
#include <cmath>
#include <limits>

#include "kernels/ref/movement.h"
#include "kernels/ref/quant.h"
#include "kernels/register_ops.h"

namespace edgewm {

namespace ref::quant {

bool is_quantized_int(DType t) { return t == DType::kU8 || t == DType::kI8 || t == DType::kU16 || t == DType::kI16; }

void int_range(DType t, int64_t& lo, int64_t& hi) {
  switch (t) {
    case DType::kU8: lo = 0, hi = 255; return;
    case DType::kI8: lo = -128, hi = 127; return;
    case DType::kU16: lo = 0, hi = 65535; return;
    case DType::kI16: lo = -32768, hi = 32767; return;
    case DType::kI32: lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max(); return;
    default: lo = hi = 0;
  }
}

// Which scale (and zero point) element applies to each element of x.
ParamIndex param_layout(const Shape& x, const Shape& scale, int64_t axis_attr, int64_t block_size,
                        std::string* error) {
  ParamIndex p;
  auto fail = [&](const std::string& m) {
    if (error) *error = m;
    p.valid = false;
    return p;
  };
  const int64_t n = scale.numel();
  if (block_size == 0 && (scale.rank() == 0 || (scale.rank() == 1 && n == 1))) return p;  // per-tensor
  if (x.rank() == 0) return fail("per-axis scales need an input of rank >= 1");
  int64_t a = axis_attr < 0 ? axis_attr + x.rank() : axis_attr;
  if (a < 0 || a >= x.rank()) return fail("axis " + std::to_string(axis_attr) + " is outside the input's rank " + std::to_string(x.rank()));
  p.dim = x[static_cast<int>(a)];
  p.inner = 1;
  for (int d = static_cast<int>(a) + 1; d < x.rank(); ++d) p.inner *= x[d];
  if (block_size == 0) {
    if (scale.rank() != 1 || n != p.dim)
      return fail("scale " + scale.str() + " is neither a scalar nor one value per index of axis " + std::to_string(a) +
                  " (" + std::to_string(p.dim) + ")");
    p.kind = ParamIndex::kAxis;
    return p;
  }
  if (block_size < 0) return fail("block_size " + std::to_string(block_size) + " is negative");
  if (scale.rank() != x.rank()) return fail("blocked scale " + scale.str() + " must have the input's rank (" + x.str() + ")");
  for (int d = 0; d < x.rank(); ++d) {
    const int64_t want = d == a ? (x[d] + block_size - 1) / block_size : x[d];
    if (scale[d] != want)
      return fail("blocked scale " + scale.str() + " does not fit input " + x.str() + " with block_size " +
                  std::to_string(block_size) + " on axis " + std::to_string(a));
  }
  p.kind = ParamIndex::kBlocked;
  p.block = block_size;
  p.scale_dim = scale[static_cast<int>(a)];
  return p;
}

}  // namespace ref::quant

namespace {

using namespace ref::quant;
using ref::mv::dtype_from_onnx_code;
using ref::mv::load_as_double;
using ref::mv::store_from_double;

// Scale and zero-point checks shared by QuantizeLinear and DequantizeLinear; returns the layout.
ParamIndex check_params(InferContext& ctx, size_t x_in) {
  const DType st = ctx.dtype(1);
  if (st != DType::kF32 && st != DType::kF16)
    ctx.unsupported(std::string("scale of type ") + dtype_name(st) + " (f32 and f16 are)");
  // Same shape, or both one value (ONNX Runtime's quantiser writes a [1] scale with a scalar zero point).
  if (ctx.has_input(2) && ctx.shape(2) != ctx.shape(1) &&
      !(ctx.shape(2).numel() == 1 && ctx.shape(1).numel() == 1 && ctx.shape(1).rank() <= 1 && ctx.shape(2).rank() <= 1))
    ctx.fail("zero point " + ctx.shape(2).str() + " and scale " + ctx.shape(1).str() + " differ in shape");
  const int64_t opset = ctx.node().opset;
  const int64_t axis = ctx.attrs().get_int("axis", 1);
  const int64_t block = ctx.attrs().get_int("block_size", 0);
  if (opset < 13 && ctx.shape(1).numel() != 1) ctx.fail("per-axis scales need opset 13 or later");
  std::string err;
  ParamIndex p = param_layout(ctx.shape(x_in), ctx.shape(1), axis, block, &err);
  if (!p.valid) ctx.fail(err);
  return p;
}

// ---- QuantizeLinear ------------------------------------------------------------------------

DType quantize_output_type(const InferContext& ctx) {
  const int64_t code = ctx.attrs().get_int("output_dtype", 0);
  if (ctx.has_input(2)) {
    if (code != 0 && dtype_from_onnx_code(code) != ctx.dtype(2))
      ctx.fail("output_dtype " + std::to_string(code) + " differs from the zero point's type");
    return ctx.dtype(2);
  }
  if (code == 0) return DType::kU8;  // the spec's default without a zero point
  const DType t = dtype_from_onnx_code(code);
  if (t == DType::kUndefined) ctx.unsupported("output_dtype " + std::to_string(code));
  return t;
}

void infer_quantize(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32, DType::kF16, DType::kI32});
  const DType y = quantize_output_type(ctx);
  if (!is_quantized_int(y))
    ctx.unsupported(std::string("quantising to ") + dtype_name(y) + " (u8, i8, u16 and i16 are; float8 and 4-bit are not)");
  if (ctx.dtype(0) == DType::kF16 && ctx.dtype(1) != DType::kF16 && ctx.node().opset >= 19)
    ctx.fail("an f16 input needs an f16 scale");
  check_params(ctx, 0);
  ctx.set_output(0, y, ctx.shape(0));
}

}  // namespace

double ref::quant::quantize_value(float x, float scale, int64_t zero_point, int64_t lo, int64_t hi) {
  const double q = static_cast<double>(x / scale);  // in float32, as the input's precision
  // NaN: unspecified by ONNX, the zero point (never UB); else the default rounding mode, half to even.
  double v = std::isnan(q) ? static_cast<double>(zero_point) : std::nearbyint(q) + static_cast<double>(zero_point);
  return v < lo ? lo : (v > hi ? hi : v);
}

namespace {

void quantize_kernel(const KernelContext& c) {
  const TensorView& x = c.in(0);
  const TensorView& s = c.in(1);
  const bool has_zp = c.has_in(2);
  const DType yt = c.out(0).dtype;
  const ParamIndex p = param_layout(x.shape, s.shape, c.attrs().get_int("axis", 1), c.attrs().get_int("block_size", 0));
  int64_t lo, hi;
  int_range(yt, lo, hi);
  char* y = static_cast<char*>(c.out(0).data);
  const size_t es = dtype_size(yt);
  const int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = p.at(i);
    const float scale = static_cast<float>(load_as_double(s, k));
    const int64_t zp = has_zp ? static_cast<int64_t>(load_as_double(c.in(2), k)) : 0;
    double v;
    if (x.dtype == DType::kI32) {  // x / scale in double for int32 inputs, as numpy promotes
      const double q = static_cast<double>(load_as_double(x, i)) / scale;
      v = std::isnan(q) ? static_cast<double>(zp) : std::nearbyint(q) + static_cast<double>(zp);
      v = v < lo ? lo : (v > hi ? hi : v);
    } else {
      v = quantize_value(static_cast<float>(load_as_double(x, i)), scale, zp, lo, hi);
    }
    store_from_double(yt, y + static_cast<size_t>(i) * es, v);
  }
}

// ---- DequantizeLinear ----------------------------------------------------------------------

void infer_dequantize(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kU8, DType::kI8, DType::kU16, DType::kI16, DType::kI32});
  if (ctx.has_input(2) && ctx.dtype(2) != ctx.dtype(0)) ctx.fail("zero point's type differs from the input's");
  check_params(ctx, 0);
  if (ctx.dtype(0) == DType::kI32 && ctx.is_constant(2)) {
    const TensorView& z = ctx.constant(2);
    for (int64_t i = 0; i < z.numel(); ++i)
      if (load_as_double(z, i) != 0) ctx.fail("an int32 input's zero point must be 0");
  }
  ctx.set_output(0, ctx.dtype(1), ctx.shape(0));
}

void dequantize_kernel(const KernelContext& c) {
  const TensorView& x = c.in(0);
  const TensorView& s = c.in(1);
  const bool has_zp = c.has_in(2);
  const ParamIndex p = param_layout(x.shape, s.shape, c.attrs().get_int("axis", 1), c.attrs().get_int("block_size", 0));
  const DType yt = c.out(0).dtype;
  char* y = static_cast<char*>(c.out(0).data);
  const size_t es = dtype_size(yt);
  for (int64_t i = 0, n = x.numel(); i < n; ++i) {
    const int64_t k = p.at(i);
    // (float(x) - float(zero point)) * scale, in float32 as the reference computes it.
    const float zp = has_zp ? static_cast<float>(load_as_double(c.in(2), k)) : 0.f;
    const float v = dequantize_value(load_as_double(x, i), zp, static_cast<float>(load_as_double(s, k)));
    store_from_double(yt, y + static_cast<size_t>(i) * es, v);
  }
}

// ---- edgewm.Lookup -------------------------------------------------------------------------
// Lookup(x, table): y[i] = table[x[i]] (a u8 x indexes as it is, an s8 one from -128), y of the
// table's type: what fold-qdq-lut makes of DQ -> elementwise op -> Q.

void infer_lookup(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kU8, DType::kI8});
  ctx.expect_dtype(1, {DType::kU8, DType::kI8});
  if (ctx.shape(1) != Shape{256}) ctx.fail("table " + ctx.shape(1).str() + " must be [256]");
  ctx.set_output(0, ctx.dtype(1), ctx.shape(0));
}

void lookup_kernel(const KernelContext& c) {
  const uint8_t* x = static_cast<const uint8_t*>(c.in(0).data);
  const uint8_t* table = static_cast<const uint8_t*>(c.in(1).data);
  uint8_t* y = static_cast<uint8_t*>(c.out(0).data);
  const uint8_t flip = c.in(0).dtype == DType::kI8 ? 0x80 : 0;  // s8 -128..127 -> index 0..255
  for (int64_t i = 0, n = c.in(0).numel(); i < n; ++i) y[i] = table[x[i] ^ flip];
}

// ---- DynamicQuantizeLinear -----------------------------------------------------------------

void infer_dynamic_quantize(InferContext& ctx) {
  ctx.expect_dtype(0, {DType::kF32});
  ctx.set_output(0, DType::kU8, ctx.shape(0));
  ctx.set_output(1, DType::kF32, Shape{});
  ctx.set_output(2, DType::kU8, Shape{});
}

void dynamic_quantize_kernel(const KernelContext& c) {
  const TensorView& x = c.in(0);
  const float* xs = x.as<float>();
  const int64_t n = x.numel();
  // The range always includes 0 so that 0 is exact; NaNs are left out of it.
  float lo = 0.f, hi = 0.f;
  for (int64_t i = 0; i < n; ++i) {
    lo = xs[i] < lo ? xs[i] : lo;
    hi = xs[i] > hi ? xs[i] : hi;
  }
  if (!std::isfinite(lo) || !std::isfinite(hi))
    throw Error(ErrorKind::kInvalidArgument, Graph::where(*c.node) + ": input holds an infinity, no uint8 scale covers it");
  const float scale = (hi == lo ? 1.f : hi - lo) / 255.f;
  const float zp_f = std::nearbyint(std::min(255.f, std::max(0.f, 0.f - lo / scale)));
  const int64_t zp = static_cast<int64_t>(zp_f);
  uint8_t* y = static_cast<uint8_t*>(c.out(0).data);
  for (int64_t i = 0; i < n; ++i) {
    const float q = xs[i] / scale;
    double v = std::isnan(q) ? static_cast<double>(zp) : std::nearbyint(q) + static_cast<double>(zp);
    v = v < 0 ? 0 : (v > 255 ? 255 : v);
    y[i] = static_cast<uint8_t>(v);
  }
  *c.out(1).as<float>() = scale;
  *static_cast<uint8_t*>(c.out(2).data) = static_cast<uint8_t>(zp);
}

}  // namespace

void register_quant_ops(OpRegistry& r) {
  ref::mv::add_op(r, "QuantizeLinear", infer_quantize, quantize_kernel);
  // Not folded with the other constants: the fuse-qdq pass must still see which float weights
  // were int8 (it folds the DequantizeLinear nodes it leaves).
  OpSchema dq{"DequantizeLinear", "", infer_dequantize, {KernelDef{"ref", dequantize_kernel}}};
  dq.never_fold = true;
  r.add(std::move(dq));
  ref::mv::add_op(r, "DynamicQuantizeLinear", infer_dynamic_quantize, dynamic_quantize_kernel);
  r.add({"Lookup", "edgewm", infer_lookup, {KernelDef{"ref", lookup_kernel}}, false, false, std::vector<std::string>{}});
  register_quant_linear_ops(r);
  register_quant_binary_ops(r);
}

}  // namespace edgewm
