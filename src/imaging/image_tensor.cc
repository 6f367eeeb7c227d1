#include "imaging/image_tensor.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace edgewm {

namespace {

struct Dims {
  int64_t n, c, h, w;
};

Dims dims_of(const TensorView& v, TensorLayout layout) {
  const Shape& s = v.shape;
  return layout == TensorLayout::kNCHW ? Dims{s[0], s[1], s[2], s[3]} : Dims{s[0], s[3], s[1], s[2]};
}

void check_tensor(const TensorView& v, int64_t batch_index, TensorLayout layout, const char* what) {
  if (!is_image_tensor(v, layout))
    throw Error(ErrorKind::kInvalidArgument, std::string(what) + ": " + describe(v) + " is not an image tensor (f32 " +
                                                 (layout == TensorLayout::kNCHW ? "NCHW" : "NHWC") +
                                                 " with 1, 3 or 4 channels)");
  if (batch_index < 0 || batch_index >= v.shape[0])
    throw Error(ErrorKind::kInvalidArgument, std::string(what) + ": batch item " + std::to_string(batch_index) +
                                                 " of " + describe(v));
}

// Source coordinate of each output column/row: half-pixel centres, clamped at the borders.
struct Axis {
  std::vector<int> i0, i1;
  std::vector<float> w1;
  Axis(int in, int64_t out) : i0(out), i1(out), w1(out) {
    for (int64_t x = 0; x < out; ++x) {
      float s = (static_cast<float>(x) + 0.5f) * static_cast<float>(in) / static_cast<float>(out) - 0.5f;
      s = std::clamp(s, 0.f, static_cast<float>(in - 1));
      i0[x] = static_cast<int>(s);
      i1[x] = std::min(i0[x] + 1, in - 1);
      w1[x] = s - static_cast<float>(i0[x]);
    }
  }
};

// Tensor channel k of one pixel: grey is replicated, colour becomes BT.601 luma for one
// channel, a missing alpha is opaque, an extra alpha is dropped.
inline float channel(const uint8_t* px, int c_in, int64_t c_out, int64_t k) {
  if (c_out == 1) return c_in >= 3 ? 0.299f * px[0] + 0.587f * px[1] + 0.114f * px[2] : px[0];
  if (k == 3 && c_in < 4) return 255.f;
  return c_in == 1 ? px[0] : px[k];
}

// One source row, interpolated horizontally to the output width, channels adapted: [w][c_out].
void horizontal(const uint8_t* row, int c_in, int64_t c_out, const Axis& ax, float* out) {
  const int64_t w = static_cast<int64_t>(ax.i0.size());
  for (int64_t x = 0; x < w; ++x) {
    const uint8_t* a = row + static_cast<size_t>(ax.i0[x]) * c_in;
    const uint8_t* b = row + static_cast<size_t>(ax.i1[x]) * c_in;
    for (int64_t k = 0; k < c_out; ++k) {
      float va = channel(a, c_in, c_out, k), vb = channel(b, c_in, c_out, k);
      out[x * c_out + k] = va + ax.w1[x] * (vb - va);
    }
  }
}

}  // namespace

bool is_image_tensor(const TensorView& v, TensorLayout layout) {
  if (v.dtype != DType::kF32 || v.shape.rank() != 4) return false;
  int64_t c = layout == TensorLayout::kNCHW ? v.shape[1] : v.shape[3];
  return (c == 1 || c == 3 || c == 4) && v.shape[2] > 0 && v.shape[layout == TensorLayout::kNCHW ? 3 : 1] > 0;
}

void image_to_tensor(const Image& image, const TensorView& dst, int64_t batch_index, const ImageTensorOptions& o) {
  check_tensor(dst, batch_index, o.layout, "image_to_tensor");
  if (image.width <= 0 || image.height <= 0 || (image.channels != 1 && image.channels != 3 && image.channels != 4) ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * image.channels)
    throw Error(ErrorKind::kInvalidArgument, "image_to_tensor: malformed image " + std::to_string(image.width) + "x" +
                                                 std::to_string(image.height) + "x" + std::to_string(image.channels));
  const Dims d = dims_of(dst, o.layout);
  float scale[4], bias[4];
  for (int k = 0; k < 4; ++k) {
    if (!(o.norm.std[k] != 0.f)) throw Error(ErrorKind::kInvalidArgument, "image_to_tensor: normalisation std is 0");
    scale[k] = 1.f / (255.f * o.norm.std[k]);
    bias[k] = -o.norm.mean[k] / o.norm.std[k];
  }
  const Axis ax(image.width, d.w), ay(image.height, d.h);
  // The two source rows the current output row blends, interpolated horizontally; reused
  // while consecutive output rows share them (upscaling).
  std::vector<float> rows(static_cast<size_t>(2 * d.w * d.c));
  float* r0 = rows.data();
  float* r1 = r0 + d.w * d.c;
  int have0 = -1, have1 = -1;
  float* out = dst.as<float>();
  for (int64_t y = 0; y < d.h; ++y) {
    const int s0 = ay.i0[y], s1 = ay.i1[y];
    if (have0 != s0) {
      if (have1 == s0) {
        std::swap(r0, r1);
        std::swap(have0, have1);
      } else {
        horizontal(image.row(s0), image.channels, d.c, ax, r0);
        have0 = s0;
      }
    }
    if (have1 != s1) {
      horizontal(image.row(s1), image.channels, d.c, ax, r1);
      have1 = s1;
    }
    const float wy = ay.w1[y];
    for (int64_t x = 0; x < d.w; ++x)
      for (int64_t k = 0; k < d.c; ++k) {
        float a = r0[x * d.c + k], b = r1[x * d.c + k];
        float v = (a + wy * (b - a)) * scale[k] + bias[k];
        if (o.layout == TensorLayout::kNCHW)
          out[((batch_index * d.c + k) * d.h + y) * d.w + x] = v;
        else
          out[((batch_index * d.h + y) * d.w + x) * d.c + k] = v;
      }
  }
}

void tensor_to_image(const TensorView& src, int64_t batch_index, const ImageTensorOptions& o, Image& img) {
  check_tensor(src, batch_index, o.layout, "tensor_to_image");
  const Dims d = dims_of(src, o.layout);
  if (img.width != d.w || img.height != d.h || img.channels != d.c) img = Image(static_cast<int>(d.w), static_cast<int>(d.h), static_cast<int>(d.c));
  float scale[4], bias[4];
  for (int k = 0; k < 4; ++k) {
    scale[k] = 255.f * o.norm.std[k];
    bias[k] = 255.f * o.norm.mean[k];
  }
  const float* in = src.as<float>();
  for (int64_t y = 0; y < d.h; ++y) {
    uint8_t* row = img.row(static_cast<int>(y));
    for (int64_t x = 0; x < d.w; ++x)
      for (int64_t k = 0; k < d.c; ++k) {
        float t = o.layout == TensorLayout::kNCHW ? in[((batch_index * d.c + k) * d.h + y) * d.w + x]
                                                  : in[((batch_index * d.h + y) * d.w + x) * d.c + k];
        float v = t * scale[k] + bias[k];
        // NaN fails both comparisons and lands on 0, not on an undefined conversion.
        v = v > 0.f ? (v < 255.f ? v : 255.f) : 0.f;
        row[x * d.c + k] = static_cast<uint8_t>(std::lrintf(v));
      }
  }
}

Image tensor_to_image(const TensorView& src, int64_t batch_index, const ImageTensorOptions& options) {
  Image img;
  tensor_to_image(src, batch_index, options, img);
  return img;
}

}  // namespace edgewm
