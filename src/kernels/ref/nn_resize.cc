// Resize (opsets 10..19+) and Upsample (7..9): nearest (every nearest_mode), n-linear and cubic
// interpolation with every coordinate_transformation_mode, antialiasing, axes and
// keep_aspect_ratio_policy. Follows the ONNX reference implementation: each axis maps an output
// index to a few input taps with weights (computed in double into a table in scratch), and an
// output element is the weighted sum over the product of its axes' taps.
#include <cmath>

#include "kernels/ref/dispatch.h"
#include "kernels/ref/nn.h"

namespace edgewm {

using namespace ref::nn;

namespace {

// Resized dims past this cannot be a tensor (kMaxTensorBytes is 2^36); checked before the
// double -> int64 cast, which is undefined beyond 2^63.
constexpr double kMaxResizedDim = 68719476736.0;  // 2^36

enum class Mode { kNearest, kLinear, kCubic };
enum class Coord { kHalfPixel, kHalfPixelSymmetric, kPytorchHalfPixel, kAlignCorners, kAsymmetric, kTfHalfPixelForNn, kTfCropAndResize };
enum class Nearest { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil };

// A 1-D float or int tensor, or an attribute's floats, read as doubles without copying.
struct Numbers {
  const void* p = nullptr;
  DType t = DType::kUndefined;
  int64_t n = 0;
  static Numbers of(const TensorView* v) {
    if (!v || v->empty()) return {};
    return {v->data, v->dtype, v->numel()};
  }
  static Numbers of(std::span<const float> f) { return {f.data(), DType::kF32, static_cast<int64_t>(f.size())}; }
  double operator[](int64_t i) const {
    switch (t) {
      case DType::kF32: return static_cast<const float*>(p)[i];
      case DType::kF64: return static_cast<const double*>(p)[i];
      case DType::kF16: return half_to_float(static_cast<const uint16_t*>(p)[i]);
      case DType::kI64: return static_cast<double>(static_cast<const int64_t*>(p)[i]);
      case DType::kI32: return static_cast<const int32_t*>(p)[i];
      default: return 0;
    }
  }
  int64_t integer(int64_t i) const {
    return t == DType::kI64 ? static_cast<const int64_t*>(p)[i] : t == DType::kI32 ? static_cast<const int32_t*>(p)[i] : 0;
  }
};

constexpr int kMaxTaps = 64;

struct ResizePlan {
  int rank = 0;
  Mode mode = Mode::kNearest;
  Coord coord = Coord::kHalfPixel;
  Nearest nearest = Nearest::kRoundPreferFloor;
  bool legacy = false;  // Upsample / Resize-10: asymmetric coordinates, nearest rounds down
  bool antialias = false, exclude_outside = false;
  double cubic_a = -0.75, extrapolation = 0;
  int64_t in[Shape::kMaxRank] = {}, out[Shape::kMaxRank] = {};
  double scale[Shape::kMaxRank] = {};
  double roi_start[Shape::kMaxRank] = {}, roi_end[Shape::kMaxRank] = {};
  bool identity[Shape::kMaxRank] = {};
  int taps[Shape::kMaxRank] = {};  // taps per output index along each axis
};

struct Inputs {
  Numbers roi, scales, sizes;
};

std::string parse_enums(const Attributes& a, int opset, bool upsample, ResizePlan& p, bool* unsupported) {
  std::string_view mode = a.get_string("mode", "nearest");
  if (mode == "nearest") p.mode = Mode::kNearest;
  else if (mode == "linear" || (upsample && mode == "bilinear")) p.mode = Mode::kLinear;
  else if (mode == "cubic" && !p.legacy) p.mode = Mode::kCubic;
  else return "mode '" + std::string(mode) + "' is not valid here";
  if (p.legacy) {
    p.coord = Coord::kAsymmetric;
    p.nearest = Nearest::kFloor;
    return "";
  }
  std::string_view coord = a.get_string("coordinate_transformation_mode", "half_pixel");
  if (coord == "half_pixel") p.coord = Coord::kHalfPixel;
  else if (coord == "half_pixel_symmetric") p.coord = Coord::kHalfPixelSymmetric;
  else if (coord == "pytorch_half_pixel") p.coord = Coord::kPytorchHalfPixel;
  else if (coord == "align_corners") p.coord = Coord::kAlignCorners;
  else if (coord == "asymmetric") p.coord = Coord::kAsymmetric;
  else if (coord == "tf_crop_and_resize") p.coord = Coord::kTfCropAndResize;
  else if (coord == "tf_half_pixel_for_nn" && opset < 13) p.coord = Coord::kTfHalfPixelForNn;
  else return "coordinate_transformation_mode '" + std::string(coord) + "' is not valid for opset " + std::to_string(opset);
  std::string_view nm = a.get_string("nearest_mode", "round_prefer_floor");
  if (nm == "round_prefer_floor") p.nearest = Nearest::kRoundPreferFloor;
  else if (nm == "round_prefer_ceil") p.nearest = Nearest::kRoundPreferCeil;
  else if (nm == "floor") p.nearest = Nearest::kFloor;
  else if (nm == "ceil") p.nearest = Nearest::kCeil;
  else return "nearest_mode '" + std::string(nm) + "' is not valid";
  p.cubic_a = a.get_float("cubic_coeff_a", -0.75f);
  p.exclude_outside = a.get_int("exclude_outside", 0) != 0;
  p.extrapolation = a.get_float("extrapolation_value", 0.f);
  p.antialias = opset >= 18 && a.get_int("antialias", 0) != 0;
  if (p.antialias && p.mode == Mode::kNearest) {
    *unsupported = true;
    return "antialias=1 with mode=nearest is not supported";
  }
  return "";
}

// Source coordinate of output index x along axis d (the ONNX reference's _compute_x_ori).
double source_coord(const ResizePlan& p, int d, int64_t x) {
  const double s = p.scale[d], in = static_cast<double>(p.in[d]);
  const double out_f = s * in;  // the reference uses the real-valued output length
  const double y = static_cast<double>(x);
  switch (p.coord) {
    case Coord::kAlignCorners: return out_f == 1 ? 0.0 : y * (in - 1) / (out_f - 1);
    case Coord::kAsymmetric: return y / s;
    case Coord::kTfCropAndResize: {
      const double r0 = p.roi_start[d], r1 = p.roi_end[d];
      const double v = out_f == 1 ? (r1 - r0) * (in - 1) / 2 : y * (r1 - r0) * (in - 1) / (out_f - 1);
      return v + r0 * (in - 1);
    }
    case Coord::kPytorchHalfPixel: return out_f == 1 ? -0.5 : (y + 0.5) / s - 0.5;
    case Coord::kHalfPixel: return (y + 0.5) / s - 0.5;
    case Coord::kHalfPixelSymmetric: {
      const double adjustment = static_cast<double>(p.out[d]) / out_f;
      const double offset = in / 2 * (1 - adjustment);
      return offset + (y + 0.5) / s - 0.5;
    }
    case Coord::kTfHalfPixelForNn: return (y + 0.5) / s;
  }
  return 0;
}

double cubic_weight(double x, double A) {
  x = std::fabs(x);
  if (x <= 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
  if (x < 2) return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return 0;
}

// Taps per output index along an axis.
int axis_taps(const ResizePlan& p, int d) {
  if (p.identity[d] || p.mode == Mode::kNearest) return 1;
  if (!p.antialias) return p.mode == Mode::kLinear ? 2 : 4;
  const double s = std::min(p.scale[d], 1.0);
  const int64_t start = p.mode == Mode::kLinear ? static_cast<int64_t>(std::floor(-1 / s) + 1)
                                                : static_cast<int64_t>(std::floor(-2 / s) + 1);
  return static_cast<int>(2 - 2 * start);
}

// Input indices (clamped) and weights of output index x along axis d; false when the element
// lies outside the crop (tf_crop_and_resize extrapolation).
bool axis_weights(const ResizePlan& p, int d, int64_t x, int64_t* idx, double* w) {
  const int64_t in = p.in[d];
  if (p.identity[d]) {
    idx[0] = x;
    w[0] = 1;
    return true;
  }
  const double xo = source_coord(p, d, x);
  if (p.coord == Coord::kTfCropAndResize && (xo < 0 || xo > static_cast<double>(in - 1))) return false;
  const double fl = std::floor(xo);
  const bool integer = xo == fl;
  const double ratio = integer ? 1.0 : xo - fl;
  const int64_t base = static_cast<int64_t>(fl);
  const int n = p.taps[d];
  auto clamp = [&](int64_t i) { return std::clamp<int64_t>(i, 0, in - 1); };
  if (p.mode == Mode::kNearest) {
    bool up;  // take the upper neighbour
    if (integer) {
      up = true;  // window [x-1, x], coefficient on x
    } else {
      switch (p.nearest) {
        case Nearest::kRoundPreferFloor: up = ratio > 0.5; break;
        case Nearest::kRoundPreferCeil: up = ratio >= 0.5; break;
        case Nearest::kFloor: up = false; break;
        default: up = true; break;
      }
    }
    idx[0] = clamp(integer ? base : up ? base + 1 : base);
    w[0] = 1;
    return true;
  }
  // Window of n indices: start = floor(xo) - n/2 (+1 unless xo is an integer).
  const int64_t start = base - n / 2 + (integer ? 0 : 1);
  if (!p.antialias) {
    if (p.mode == Mode::kLinear) {
      w[0] = 1 - ratio;
      w[1] = ratio;
    } else {
      const double A = p.cubic_a, r = ratio;
      w[0] = ((A * (r + 1) - 5 * A) * (r + 1) + 8 * A) * (r + 1) - 4 * A;
      w[1] = ((A + 2) * r - (A + 3)) * r * r + 1;
      w[2] = ((A + 2) * (1 - r) - (A + 3)) * (1 - r) * (1 - r) + 1;
      w[3] = ((A * ((1 - r) + 1) - 5 * A) * ((1 - r) + 1) + 8 * A) * ((1 - r) + 1) - 4 * A;
    }
  } else {
    const double s = std::min(p.scale[d], 1.0);
    const int64_t i0 = 1 - n / 2;  // first tap's offset from floor(xo) (for non-integer xo)
    double sum = 0;
    for (int t = 0; t < n; ++t) {
      const double arg = (static_cast<double>(i0 + t) - ratio) * s;
      w[t] = p.mode == Mode::kLinear ? std::clamp(1 - std::fabs(arg), 0.0, 1.0) : cubic_weight(arg, p.cubic_a);
      sum += w[t];
    }
    for (int t = 0; t < n; ++t) w[t] /= sum;
  }
  if (p.exclude_outside) {
    double sum = 0;
    for (int t = 0; t < n; ++t) {
      if (start + t < 0 || start + t >= in) w[t] = 0;
      sum += w[t];
    }
    if (sum == 0) sum = 1;
    for (int t = 0; t < n; ++t) w[t] /= sum;
  }
  for (int t = 0; t < n; ++t) idx[t] = clamp(start + t);
  return true;
}

// Everything the op needs, from attributes, the input shape and the (constant) roi / scales /
// sizes. Returns "" or the problem (*unsupported: valid but not handled).
std::string plan_resize(const Attributes& a, int opset, bool upsample, const Shape& x, const Inputs& inputs,
                        ResizePlan& p, bool* unsupported) {
  *unsupported = false;
  const int r = x.rank();
  p.rank = r;
  p.legacy = upsample || opset < 11;
  std::string err = parse_enums(a, opset, upsample, p, unsupported);
  if (!err.empty()) return err;
  for (int d = 0; d < r; ++d) {
    p.in[d] = x[d];
    p.out[d] = x[d];
    p.scale[d] = 1;
    p.roi_start[d] = 0;
    p.roi_end[d] = 1;
  }
  // Axes (opset 18).
  int axes[Shape::kMaxRank];
  int naxes = r;
  for (int d = 0; d < r; ++d) axes[d] = d;
  auto axes_attr = opset >= 18 ? a.get_ints("axes") : std::span<const int64_t>();
  if (!axes_attr.empty()) {
    if (static_cast<int>(axes_attr.size()) > r) return "axes " + ints_str(axes_attr) + " has more entries than the rank";
    naxes = static_cast<int>(axes_attr.size());
    bool seen[Shape::kMaxRank] = {};
    for (int i = 0; i < naxes; ++i) {
      int64_t ax = axes_attr[i];
      if (ax < -r || ax >= r) return "axes " + ints_str(axes_attr) + " are out of range for rank " + std::to_string(r);
      if (ax < 0) ax += r;
      if (seen[ax]) return "axes " + ints_str(axes_attr) + " repeat an axis";
      seen[ax] = true;
      axes[i] = static_cast<int>(ax);
    }
  }
  const Numbers& scales = inputs.scales;
  const Numbers& sizes = inputs.sizes;
  if (scales.n > 0 && sizes.n > 0) return "only one of scales and sizes may be given";
  if (scales.n == 0 && sizes.n == 0) return "one of scales and sizes is required";
  if (scales.n > 0) {
    if (scales.n != naxes)
      return "scales has " + std::to_string(scales.n) + " values for " + std::to_string(naxes) + " axes";
    for (int i = 0; i < naxes; ++i) {
      const int d = axes[i];
      const double s = scales[i];
      if (!(s > 0)) return "scales must be positive, got " + std::to_string(s);
      if (upsample && s < 1) return "Upsample scales must be >= 1, got " + std::to_string(s);
      p.scale[d] = s;
      const double out = std::floor(s * static_cast<double>(p.in[d]));
      if (!(out < kMaxResizedDim))  // also infinite scales; the cast of a larger one is undefined
        return "scale " + std::to_string(s) + " makes axis " + std::to_string(d) + " of " + std::to_string(p.in[d]) +
               " larger than any tensor";
      p.out[d] = static_cast<int64_t>(out);
    }
  } else {
    if (sizes.t != DType::kI64 && sizes.t != DType::kI32) return "sizes must be an integer tensor";
    if (sizes.n != naxes) return "sizes has " + std::to_string(sizes.n) + " values for " + std::to_string(naxes) + " axes";
    for (int i = 0; i < naxes; ++i) {
      const int d = axes[i];
      const int64_t sz = sizes.integer(i);
      if (sz < 0) return "sizes must not be negative";
      if (p.in[d] == 0) return "cannot resize an empty axis to a given size";
      p.out[d] = sz;
      p.scale[d] = static_cast<double>(sz) / static_cast<double>(p.in[d]);
    }
    std::string_view policy = opset >= 18 ? a.get_string("keep_aspect_ratio_policy", "stretch") : "stretch";
    if (policy != "stretch") {
      if (policy != "not_larger" && policy != "not_smaller")
        return "keep_aspect_ratio_policy '" + std::string(policy) + "' is not valid";
      double s = p.scale[axes[0]];
      for (int i = 1; i < naxes; ++i)
        s = policy == "not_larger" ? std::min(s, p.scale[axes[i]]) : std::max(s, p.scale[axes[i]]);
      for (int i = 0; i < naxes; ++i) {
        const int d = axes[i];
        p.scale[d] = s;
        const double out = s * static_cast<double>(p.in[d]) + 0.5;
        if (!(out < kMaxResizedDim))
          return "keep_aspect_ratio_policy makes axis " + std::to_string(d) + " larger than any tensor";
        p.out[d] = static_cast<int64_t>(out);
      }
    }
  }
  if (p.coord == Coord::kTfCropAndResize) {
    const Numbers& roi = inputs.roi;
    if (roi.n != 2 * naxes)
      return "tf_crop_and_resize needs roi with " + std::to_string(2 * naxes) + " values, got " + std::to_string(roi.n);
    for (int i = 0; i < naxes; ++i) {
      p.roi_start[axes[i]] = roi[i];
      p.roi_end[axes[i]] = roi[naxes + i];
    }
  }
  for (int d = 0; d < r; ++d) {
    const bool roi_identity = p.coord != Coord::kTfCropAndResize ||
                              (std::fabs(p.roi_start[d]) <= 1e-9 && std::fabs(p.roi_end[d] - 1) <= 1e-9);
    p.identity[d] = std::fabs(p.scale[d] - 1) <= 1e-9 * std::max(1.0, std::fabs(p.scale[d])) && p.out[d] == p.in[d] &&
                    roi_identity;
    p.taps[d] = axis_taps(p, d);
    if (p.taps[d] > kMaxTaps) {
      *unsupported = true;
      return "antialiased downsampling by " + std::to_string(p.scale[d]) + " needs more than " +
             std::to_string(kMaxTaps) + " taps per axis";
    }
    if (p.in[d] == 0 && p.out[d] != 0) return "cannot resize an empty axis";
  }
  // Old versions do not say how nearest rounds when downsampling; accept only where it does not matter.
  if (p.legacy && p.mode == Mode::kNearest) {
    for (int d = 0; d < r; ++d) {
      if (p.identity[d] || p.scale[d] >= 1) continue;
      for (int64_t o = 0; o < p.out[d]; ++o) {
        const double xo = static_cast<double>(o) / p.scale[d];
        if (xo != std::floor(xo)) {
          *unsupported = true;
          return "nearest downsampling by a non-integer factor is unspecified before Resize-11";
        }
      }
    }
  }
  return "";
}

bool is_upsample(const Node& n) { return n.op_type == "Upsample"; }

// Where roi / scales / sizes live for each op version.
struct Slots {
  int roi = -1, scales = -1, sizes = -1;
  bool scales_attr = false;
};
Slots slots_of(const Node& n) {
  if (is_upsample(n)) return n.opset < 9 ? Slots{-1, -1, -1, true} : Slots{-1, 1, -1, false};
  if (n.opset < 11) return Slots{-1, 1, -1, false};
  return Slots{1, 2, 3, false};
}

void infer_resize(InferContext& ctx) {
  const Node& n = ctx.node();
  if (is_upsample(n) && n.opset < 7) ctx.unsupported("Upsample before opset 7 (height_scale/width_scale) is not supported");
  // 8-bit data only where the output picks input values (nearest, no tf_crop_and_resize
  // extrapolation): what the quantised graphs need (fold-qdq-movement), exactly.
  const bool picks = ctx.attrs().get_string("mode", "nearest") == "nearest" &&
                     ctx.attrs().get_string("coordinate_transformation_mode", "") != "tf_crop_and_resize";
  if ((ctx.dtype(0) == DType::kU8 || ctx.dtype(0) == DType::kI8) && !picks)
    ctx.unsupported("Resize of 8-bit data other than nearest (without tf_crop_and_resize)");
  ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kU8, DType::kI8});
  const Slots sl = slots_of(n);
  Inputs in;
  if (sl.scales_attr) {
    in.scales = Numbers::of(ctx.attrs().get_floats("scales"));
  } else if (ctx.has_input(sl.scales)) {
    const TensorView& t = ctx.constant(sl.scales);
    if (t.dtype != DType::kF32 && t.dtype != DType::kF64) ctx.fail("scales must be a float tensor");
    in.scales = Numbers::of(&t);
  }
  if (sl.sizes >= 0 && ctx.has_input(sl.sizes)) in.sizes = Numbers::of(&ctx.constant(sl.sizes));
  if (sl.roi >= 0 && ctx.has_input(sl.roi) && ctx.attrs().get_string("coordinate_transformation_mode", "") == "tf_crop_and_resize") {
    const TensorView& t = ctx.constant(sl.roi);
    if (!dtype_is_float(t.dtype)) ctx.fail("roi must be a float tensor");
    in.roi = Numbers::of(&t);
  }
  ResizePlan p;
  bool unsupported = false;
  std::string err = plan_resize(ctx.attrs(), n.opset, is_upsample(n), ctx.shape(0), in, p, &unsupported);
  if (!err.empty()) {
    if (unsupported) ctx.unsupported(err);
    ctx.fail(err);
  }
  Shape out = ctx.shape(0);
  for (int d = 0; d < p.rank; ++d) out[d] = p.out[d];
  ctx.set_output(0, ctx.dtype(0), out);
}

// Inputs of a node from the graph's constants (scratch sizing) or a kernel's views.
Inputs inputs_of(const Node& n, const TensorView* const* views, size_t count) {
  const Slots sl = slots_of(n);
  Inputs in;
  auto view = [&](int i) -> const TensorView* { return i >= 0 && static_cast<size_t>(i) < count ? views[i] : nullptr; };
  if (sl.scales_attr) in.scales = Numbers::of(n.attrs.get_floats("scales"));
  else in.scales = Numbers::of(view(sl.scales));
  in.sizes = Numbers::of(view(sl.sizes));
  if (n.attrs.get_string("coordinate_transformation_mode", "") == "tf_crop_and_resize") in.roi = Numbers::of(view(sl.roi));
  return in;
}

struct Tap {
  int64_t off;  // element offset along the axis (index * stride)
  double w;
};

// Scratch layout: per axis, out[d] * taps[d] Taps, then out[d] flags.
size_t table_bytes(const ResizePlan& p) {
  size_t bytes = 64;
  for (int d = 0; d < p.rank; ++d) {
    bytes += static_cast<size_t>(p.out[d] * p.taps[d]) * sizeof(Tap);
    bytes += (static_cast<size_t>(p.out[d]) + 7) / 8 * 8;
  }
  return bytes;
}

size_t resize_scratch(const Node& n, const Graph& g) {
  const TensorView* views[4] = {};
  for (size_t i = 0; i < n.inputs.size() && i < 4; ++i)
    if (n.inputs[i] != kNoValue && g.value(n.inputs[i]).is_constant()) views[i] = &g.value(n.inputs[i]).constant;
  ResizePlan p;
  bool unsupported = false;
  if (!plan_resize(n.attrs, n.opset, is_upsample(n), g.value(n.inputs[0]).shape, inputs_of(n, views, 4), p, &unsupported)
           .empty())
    return 0;
  return table_bytes(p);
}

template <class T> void resize_t(const KernelContext& ctx) {
  const TensorView* views[4] = {};
  for (size_t i = 0; i < ctx.inputs.size() && i < 4; ++i)
    if (ctx.has_in(i)) views[i] = &ctx.in(i);
  ResizePlan p;
  bool unsupported = false;
  plan_resize(ctx.attrs(), ctx.node->opset, is_upsample(*ctx.node), ctx.in(0).shape, inputs_of(*ctx.node, views, 4), p,
              &unsupported);
  if (ctx.scratch_bytes < table_bytes(p)) throw Error(ErrorKind::kInternal, "Resize: scratch too small");
  const int r = p.rank;
  // Build the per-axis tables.
  Tap* taps[Shape::kMaxRank];
  uint8_t* inside[Shape::kMaxRank];
  uint8_t* cur = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(ctx.scratch) + 63) & ~uintptr_t(63));
  int64_t in_stride[Shape::kMaxRank];
  int64_t acc = 1;
  for (int d = r - 1; d >= 0; --d) {
    in_stride[d] = acc;
    acc *= p.in[d];
  }
  for (int d = 0; d < r; ++d) {
    taps[d] = reinterpret_cast<Tap*>(cur);
    cur += static_cast<size_t>(p.out[d] * p.taps[d]) * sizeof(Tap);
    inside[d] = cur;
    cur += (static_cast<size_t>(p.out[d]) + 7) / 8 * 8;
    const int n = p.taps[d];
    for (int64_t o = 0; o < p.out[d]; ++o) {
      int64_t idx[kMaxTaps];
      double w[kMaxTaps];
      inside[d][o] = axis_weights(p, d, o, idx, w) ? 1 : 0;
      for (int t = 0; t < n; ++t) taps[d][o * n + t] = Tap{inside[d][o] ? idx[t] * in_stride[d] : 0, inside[d][o] ? w[t] : 0};
    }
  }
  const T* X = ctx.in(0).as<T>();
  T* Y = ctx.out(0).as<T>();
  const int64_t last = r > 0 ? p.out[r - 1] : 1;
  const int64_t total = ctx.out(0).numel();
  const int64_t rows = last ? total / last : 0;
  int64_t combos = 1;
  for (int d = 0; d < r; ++d) combos *= p.taps[d];
  const T extrap = static_cast<T>(p.extrapolation);
  // Nearest (one tap of weight 1 everywhere on the last axis, all inside): a plain gather.
  bool copy_last = combos == 1 && r > 0;
  for (int64_t ol = 0; copy_last && ol < last; ++ol) copy_last = inside[r - 1][ol] && taps[r - 1][ol].w == 1.0;
  ctx.pool->parallel_for(rows, std::max<int64_t>(1, 2048 / std::max<int64_t>(1, last * combos)), [&](int64_t b, int64_t e) {
    for (int64_t row = b; row < e; ++row) {
      int64_t o[Shape::kMaxRank];
      int64_t rem = row;
      for (int d = r - 2; d >= 0; --d) {
        o[d] = rem % p.out[d];
        rem /= p.out[d];
      }
      bool row_inside = true;
      for (int d = 0; d < r - 1; ++d) row_inside &= inside[d][o[d]] != 0;
      T* y = Y + row * last;
      if (combos == 1 && r > 0 && row_inside) {
        // One tap per axis (nearest, or scale 1): a gather along the last axis.
        int64_t base = 0;
        double wb = 1;
        for (int d = 0; d < r - 1; ++d) {
          base += taps[d][o[d]].off;
          wb *= taps[d][o[d]].w;
        }
        const Tap* tl = taps[r - 1];
        const uint8_t* in_l = inside[r - 1];
        if (copy_last && wb == 1.0) {
          const T* xb = X + base;
          for (int64_t ol = 0; ol < last; ++ol) y[ol] = xb[tl[ol].off];
          continue;
        }
        for (int64_t ol = 0; ol < last; ++ol)
          y[ol] = in_l[ol] ? static_cast<T>(wb * tl[ol].w * static_cast<double>(X[base + tl[ol].off])) : extrap;
        continue;
      }
      for (int64_t ol = 0; ol < last; ++ol) {
        if (r > 0) o[r - 1] = ol;
        if (!row_inside || (r > 0 && !inside[r - 1][ol])) {
          y[ol] = extrap;
          continue;
        }
        if (combos == 1) {
          int64_t off = 0;
          double w = 1;
          for (int d = 0; d < r; ++d) {
            off += taps[d][o[d]].off;
            w *= taps[d][o[d]].w;
          }
          y[ol] = static_cast<T>(w * static_cast<double>(X[off]));
          continue;
        }
        double sum = 0;
        int t[Shape::kMaxRank] = {};
        for (int64_t c = 0; c < combos; ++c) {
          int64_t off = 0;
          double w = 1;
          for (int d = 0; d < r; ++d) {
            const Tap& tp = taps[d][o[d] * p.taps[d] + t[d]];
            off += tp.off;
            w *= tp.w;
          }
          sum += w * static_cast<double>(X[off]);
          for (int d = r - 1; d >= 0; --d) {
            if (++t[d] < p.taps[d]) break;
            t[d] = 0;
          }
        }
        y[ol] = static_cast<T>(sum);
      }
    }
  });
}

void resize_kernel(const KernelContext& ctx) {
  if (ctx.in(0).dtype == DType::kU8) return resize_t<uint8_t>(ctx);  // nearest: every weight is 1
  if (ctx.in(0).dtype == DType::kI8) return resize_t<int8_t>(ctx);
  ref::dispatch_float(ctx.in(0).dtype, [&](auto t) { resize_t<decltype(t)>(ctx); });
}

}  // namespace

void register_resize_ops(OpRegistry& r) {
  r.add({"Resize", "", infer_resize, {KernelDef{"ref", resize_kernel, nullptr, 0, resize_scratch}}});
  r.add({"Upsample", "", infer_resize, {KernelDef{"ref", resize_kernel, nullptr, 0, resize_scratch}}});
}

}  // namespace edgewm
