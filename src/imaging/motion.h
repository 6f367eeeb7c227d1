#pragma once
// Global motion between two frames (planar float CHW): the sub-pixel translation that best
// maps one onto the other, and the frame moved by it. Camera ego-motion (a scrolling scene)
// is mostly such a translation, so shifting the newest frame by the last motion forecasts the
// next one well enough to start denoising from (world-model warm starts).
#include <span>

namespace edgewm {

struct Translation {
  double dx = 0, dy = 0;  // pixels: content at (x, y) in `from` is at (x + dx, y + dy) in `to`
};

// Least-squares over integer shifts within +-max_shift (the overlap only), refined to
// sub-pixel by a parabola through the best cost and its neighbours on each axis.
Translation estimate_translation(std::span<const float> from, std::span<const float> to, int channels, int height,
                                 int width, int max_shift = 3);

// out(x, y) = in(x - dx, y - dy), bilinear, edges clamped. out must not alias in.
void translate(std::span<const float> in, std::span<float> out, int channels, int height, int width,
               Translation t);

}  // namespace edgewm
