// Reference neural-network ops; the kernels live in nn_<topic>.cc.
#include "kernels/ref/nn.h"

#include "kernels/register_ops.h"

namespace edgewm {

void register_nn_ops(OpRegistry& r) {
  register_conv_ops(r);
  register_upsample_conv_ops(r);
  register_pool_ops(r);
  register_norm_ops(r);
  register_matmul_ops(r);
  register_einsum_ops(r);
  register_resize_ops(r);
}

namespace ref::nn {

std::string ints_str(std::span<const int64_t> v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

std::string compute_window(const Attributes& a, const Shape& x, std::span<const int64_t> kernel, bool allow_ceil,
                           bool allow_dilations, Window& w, bool* unsupported) {
  *unsupported = false;
  if (x.rank() < 3) return "input must have rank >= 3 ([N, C, spatial...]), got " + x.str();
  const int nd = x.rank() - 2;
  w.nd = nd;
  if (static_cast<int>(kernel.size()) != nd)
    return "kernel has " + std::to_string(kernel.size()) + " spatial dims, input " + x.str() + " has " +
           std::to_string(nd);
  auto strides = a.get_ints("strides");
  auto dilations = a.get_ints("dilations");
  auto pads = a.get_ints("pads");
  if (!strides.empty() && static_cast<int>(strides.size()) != nd)
    return "strides " + ints_str(strides) + " must have " + std::to_string(nd) + " values";
  if (!dilations.empty() && static_cast<int>(dilations.size()) != nd)
    return "dilations " + ints_str(dilations) + " must have " + std::to_string(nd) + " values";
  if (!pads.empty() && static_cast<int>(pads.size()) != 2 * nd)
    return "pads " + ints_str(pads) + " must have " + std::to_string(2 * nd) + " values";
  std::string_view auto_pad = a.get_string("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER" && auto_pad != "VALID")
    return "auto_pad '" + std::string(auto_pad) + "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID";
  const int64_t ceil_mode = allow_ceil ? a.get_int("ceil_mode", 0) : 0;
  if (ceil_mode != 0 && ceil_mode != 1) return "ceil_mode must be 0 or 1";
  if (ceil_mode && auto_pad != "NOTSET" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER") {
    *unsupported = true;
    return "ceil_mode=1 with auto_pad=" + std::string(auto_pad) + " is not supported";
  }
  for (int d = 0; d < nd; ++d) {
    w.in[d] = x[d + 2];
    w.kernel[d] = kernel[d];
    w.stride[d] = strides.empty() ? 1 : strides[d];
    w.dilation[d] = dilations.empty() ? 1 : dilations[d];
    if (w.kernel[d] < 1) return "kernel_shape " + ints_str(kernel) + " must be positive";
    if (w.stride[d] < 1) return "strides " + ints_str(strides) + " must be positive";
    if (w.dilation[d] < 1) return "dilations " + ints_str(dilations) + " must be positive";
    if (w.dilation[d] != 1 && !allow_dilations) {
      *unsupported = true;
      return "dilations " + ints_str(dilations) + " are not supported by this op version";
    }
    // Window, padded input and output extents are checked for 64-bit overflow (a corrupted or
    // hostile attribute of 2^62 must be an error, not a wrapped size).
    int64_t dk = 0, padded = 0;
    if (__builtin_mul_overflow(w.kernel[d] - 1, w.dilation[d], &dk) || __builtin_add_overflow(dk, 1, &dk))
      return "kernel_shape " + ints_str(kernel) + " with dilations " + ints_str(dilations) + " is larger than any tensor";
    if (auto_pad == "NOTSET") {
      w.pad_begin[d] = pads.empty() ? 0 : pads[d];
      w.pad_end[d] = pads.empty() ? 0 : pads[d + nd];
      if (w.pad_begin[d] < 0 || w.pad_end[d] < 0) return "pads " + ints_str(pads) + " must not be negative";
      if (__builtin_add_overflow(w.in[d], w.pad_begin[d], &padded) || __builtin_add_overflow(padded, w.pad_end[d], &padded))
        return "pads " + ints_str(pads) + " make the input larger than any tensor";
      const int64_t span = padded - dk;
      if (span < 0)
        return "window of " + std::to_string(dk) + " (kernel_shape " + ints_str(kernel) + ", dilations) exceeds the padded input " +
               x.str() + " in spatial dim " + std::to_string(d);
      if (ceil_mode) {
        w.out[d] = ceil_div(span, w.stride[d]) + 1;
        // The last window must start inside the input or its leading padding.
        if ((w.out[d] - 1) * w.stride[d] >= w.in[d] + w.pad_begin[d]) --w.out[d];
      } else {
        w.out[d] = span / w.stride[d] + 1;
      }
    } else {
      for (int64_t p : pads)
        if (p != 0) return "pads " + ints_str(pads) + " and auto_pad=" + std::string(auto_pad) + " are both set";
      if (auto_pad == "VALID") {
        if (w.in[d] < dk)
          return "window of " + std::to_string(dk) + " exceeds input " + x.str() + " with auto_pad=VALID";
        w.out[d] = (w.in[d] - dk) / w.stride[d] + 1;
        w.pad_begin[d] = w.pad_end[d] = 0;
      } else {
        w.out[d] = ceil_div(w.in[d], w.stride[d]);
        int64_t raw = 0;  // (out - 1) * stride + dk - in, all <= in + dk: overflow only through dk
        if (__builtin_mul_overflow(w.out[d] - 1, w.stride[d], &raw) || __builtin_add_overflow(raw, dk, &raw))
          return "kernel_shape " + ints_str(kernel) + " is larger than any tensor";
        raw -= w.in[d];
        // A window shorter than the stride leaves a negative total: TensorFlow clamps it to 0,
        // onnxruntime splits it (a negative leading pad), the reference fails. -1 is harmless.
        if (raw < -1) {
          *unsupported = true;
          return "auto_pad=" + std::string(auto_pad) + " with a window (" + std::to_string(dk) +
                 ") much shorter than the stride (" + std::to_string(w.stride[d]) +
                 ") is not supported: implementations disagree on its padding";
        }
        const int64_t total = std::max<int64_t>(0, raw);
        if (auto_pad == "SAME_UPPER") {
          w.pad_begin[d] = total / 2;
          w.pad_end[d] = total - total / 2;
        } else {
          w.pad_begin[d] = total - total / 2;
          w.pad_end[d] = total / 2;
        }
      }
    }
  }
  return "";
}

void compute_window_or_fail(const InferContext& ctx, const Shape& x, std::span<const int64_t> kernel,
                            bool allow_ceil, bool allow_dilations, Window& w) {
  bool unsupported = false;
  std::string err = compute_window(ctx.attrs(), x, kernel, allow_ceil, allow_dilations, w, &unsupported);
  if (err.empty()) return;
  if (unsupported) ctx.unsupported(err);
  ctx.fail(err);
}

}  // namespace ref::nn
}  // namespace edgewm
