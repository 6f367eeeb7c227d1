// Resize / Upsample by whole factors with nearest sampling that reduces to source = out / factor
// (asymmetric + floor, PyTorch's F.interpolate(mode="nearest") export; half_pixel with either
// round_prefer rule, which lands strictly inside each source cell): every input row widened
// once and copied factor times, no per-element index arithmetic. The reference kernel
// (kernels/ref/nn_resize.cc) computes each output's source from the spec's formulas; this one
// is its fast twin for the upsampling layers of UNets and decoders (f32, and the 8-bit values
// quantised graphs move).
#include <algorithm>
#include <cstring>
#include <string>

#include "edgewm/error.h"
#include "edgewm/thread_pool.h"
#include "ir/op_registry.h"
#include "kernels/pool/resize_nearest.h"

namespace edgewm {

namespace {

// The whole factor per axis, or false. x: the input shape; the output's comes from inference.
bool whole_factors(const Node& n, const Graph& g, int64_t* factor) {
  if (n.op_type != "Resize" || !n.domain.empty() || n.opset < 11 || n.inputs.empty() || n.outputs.empty()) return false;
  const Value& x = g.value(n.inputs[0]);
  const Value& y = g.value(n.outputs[0]);
  if (!x.shape_known || !y.shape_known || x.shape.rank() < 1 || x.shape.rank() != y.shape.rank()) return false;
  if (x.dtype != DType::kF32 && x.dtype != DType::kU8 && x.dtype != DType::kI8) return false;
  const Attributes& a = n.attrs;
  if (a.get_string("mode", "nearest") != "nearest" || a.get_int("antialias", 0) != 0) return false;
  if (!a.get_ints("axes").empty() || a.get_string("keep_aspect_ratio_policy", "stretch") != "stretch") return false;
  const std::string ct(a.get_string("coordinate_transformation_mode", "half_pixel"));
  const std::string nm(a.get_string("nearest_mode", "round_prefer_floor"));
  const bool floor_rule = (ct == "asymmetric" && nm == "floor") ||
                          (ct == "half_pixel" && (nm == "round_prefer_floor" || nm == "round_prefer_ceil"));
  if (!floor_rule) return false;
  // Scales given (input 2), constant and whole; sizes (input 3) then must be absent.
  if (n.inputs.size() < 3 || n.inputs[2] == kNoValue || (n.inputs.size() > 3 && n.inputs[3] != kNoValue)) return false;
  const Value& s = g.value(n.inputs[2]);
  if (!s.is_constant() || s.dtype != DType::kF32 || s.constant.numel() != x.shape.rank()) return false;
  for (int d = 0; d < x.shape.rank(); ++d) {
    const float f = s.constant.as<float>()[d];
    if (!(f >= 1.f && f <= 64.f) || f != static_cast<float>(static_cast<int64_t>(f))) return false;
    factor[d] = static_cast<int64_t>(f);
    if (y.shape[d] != x.shape[d] * factor[d]) return false;
  }
  // Whole factors only on the last two axes (the image's): the rest are 1.
  for (int d = 0; d + 2 < x.shape.rank(); ++d)
    if (factor[d] != 1) return false;
  return true;
}

bool supports(const Node& n, const Graph& g) {
  int64_t f[Shape::kMaxRank];
  return whole_factors(n, g, f);
}

template <class T> void run(const KernelContext& ctx) {
  const Shape& xs = ctx.in(0).shape;
  const Shape& ys = ctx.out(0).shape;
  const int r = xs.rank();
  const int64_t W = xs[r - 1], OW = ys[r - 1], fw = OW / W;
  const int64_t H = r >= 2 ? xs[r - 2] : 1, OH = r >= 2 ? ys[r - 2] : 1, fh = OH / H;
  const int64_t planes = H * W ? xs.numel() / (H * W) : 0;
  const T* X = static_cast<const T*>(ctx.in(0).data);
  T* Y = static_cast<T*>(ctx.out(0).data);
  // Rows of the input, each widened into its first output row and copied to the other fh - 1.
  ctx.pool->parallel_for(planes * H, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, OW * fh)), [&](int64_t b, int64_t e) {
    for (int64_t row = b; row < e; ++row) {
      const T* x = X + row * W;
      T* y = Y + (row / H * OH + row % H * fh) * OW;
      if (fw == 2) {
        for (int64_t i = 0; i < W; ++i) y[2 * i] = y[2 * i + 1] = x[i];
      } else {
        for (int64_t i = 0; i < W; ++i)
          for (int64_t j = 0; j < fw; ++j) y[i * fw + j] = x[i];
      }
      for (int64_t k = 1; k < fh; ++k) std::memcpy(y + k * OW, y, static_cast<size_t>(OW) * sizeof(T));
    }
  });
}

void resize_nearest(const KernelContext& ctx) {
  switch (ctx.in(0).dtype) {
    case DType::kF32: return run<float>(ctx);
    case DType::kU8: return run<uint8_t>(ctx);
    case DType::kI8: return run<int8_t>(ctx);
    default: throw Error(ErrorKind::kInternal, std::string("Resize: whole-factor nearest kernel chosen for ") + dtype_name(ctx.in(0).dtype));
  }
}

}  // namespace

void register_resize_nearest(OpRegistry& r) {
  r.add_kernel("Resize", KernelDef{"whole_factor_nearest", resize_nearest, supports, 10, nullptr});
}

}  // namespace edgewm
