#pragma once
// Frame <-> tensor conversion at the edges of a model run: the T_pre and T_post of a frame.
// Pre: bilinear resize (half-pixel centres, no antialias: ONNX Resize 'linear' semantics),
// channel adaptation (grey <-> RGB, alpha dropped), normalisation and layout.
// Post: the inverse, rounded and clamped to 8 bits.
#include <array>

#include "edgewm/tensor.h"
#include "edgewm/image.h"

namespace edgewm {

enum class TensorLayout { kNCHW, kNHWC };

// tensor = (pixel / 255 - mean[c]) / std[c]. The default maps [0, 255] to [-1, 1], the range
// diffusion models are trained in.
struct PixelNormalization {
  std::array<float, 4> mean{0.5f, 0.5f, 0.5f, 0.5f};
  std::array<float, 4> std{0.5f, 0.5f, 0.5f, 0.5f};
  static PixelNormalization unit() { return {{0, 0, 0, 0}, {1, 1, 1, 1}}; }  // [0, 1]
};

struct ImageTensorOptions {
  PixelNormalization norm;
  TensorLayout layout = TensorLayout::kNCHW;
};

// True when `v` can hold frames: f32, rank 4, 1/3/4 channels in the layout's channel dim.
bool is_image_tensor(const TensorView& v, TensorLayout layout = TensorLayout::kNCHW);

// Writes `image` into batch item `batch_index` of `dst`, resized to the tensor's H x W.
void image_to_tensor(const Image& image, const TensorView& dst, int64_t batch_index,
                     const ImageTensorOptions& options = {});

// Batch item `batch_index` of `src` as an 8-bit image of the tensor's size and channels.
Image tensor_to_image(const TensorView& src, int64_t batch_index, const ImageTensorOptions& options = {});
// Same, into `out` (reused across frames: no allocation once it has the right size).
void tensor_to_image(const TensorView& src, int64_t batch_index, const ImageTensorOptions& options, Image& out);

}  // namespace edgewm
