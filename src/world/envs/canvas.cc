#include "world/envs/canvas.h"

#include <algorithm>
#include <cmath>

namespace edgewm::world {

Canvas::Canvas(Image& target) : img_(target) {}

void Canvas::blend(int x, int y, const Rgb& c, float a) {
  uint8_t* p = img_.row(y) + static_cast<size_t>(x) * img_.channels;
  for (int k = 0; k < 3; ++k) {
    float v = p[k] + a * (c[k] - p[k]);
    p[k] = static_cast<uint8_t>(std::clamp(std::lround(v), 0l, 255l));
  }
}

void Canvas::fill_vertical_gradient(const Rgb& top, const Rgb& bottom) {
  for (int y = 0; y < img_.height; ++y) {
    float t = (y + 0.5f) / img_.height;
    uint8_t* row = img_.row(y);
    for (int x = 0; x < img_.width; ++x)
      for (int k = 0; k < 3; ++k)
        row[x * img_.channels + k] = static_cast<uint8_t>(std::lround(top[k] + t * (bottom[k] - top[k])));
  }
}

void Canvas::fill_rect(double x0, double y0, double x1, double y1, const Rgb& color) {
  const double s = img_.height;  // pixels per world unit
  x0 *= s, x1 *= s, y0 *= s, y1 *= s;
  if (x1 <= x0 || y1 <= y0) return;
  int px0 = std::max(0, static_cast<int>(std::floor(x0))), px1 = std::min(img_.width, static_cast<int>(std::ceil(x1)));
  int py0 = std::max(0, static_cast<int>(std::floor(y0))), py1 = std::min(img_.height, static_cast<int>(std::ceil(y1)));
  for (int y = py0; y < py1; ++y) {
    double cy = std::min<double>(y + 1, y1) - std::max<double>(y, y0);
    for (int x = px0; x < px1; ++x) {
      double cx = std::min<double>(x + 1, x1) - std::max<double>(x, x0);
      if (cx > 0 && cy > 0) blend(x, y, color, static_cast<float>(cx * cy));
    }
  }
}

void Canvas::fill_disc(double cx, double cy, double r, const Rgb& color) {
  const double s = img_.height;
  cx *= s, cy *= s, r *= s;
  int px0 = std::max(0, static_cast<int>(std::floor(cx - r))), px1 = std::min(img_.width, static_cast<int>(std::ceil(cx + r)));
  int py0 = std::max(0, static_cast<int>(std::floor(cy - r))), py1 = std::min(img_.height, static_cast<int>(std::ceil(cy + r)));
  for (int y = py0; y < py1; ++y)
    for (int x = px0; x < px1; ++x) {
      int inside = 0;
      for (int sy = 0; sy < 4; ++sy)
        for (int sx = 0; sx < 4; ++sx) {
          double dx = x + (sx + 0.5) / 4 - cx, dy = y + (sy + 0.5) / 4 - cy;
          inside += dx * dx + dy * dy <= r * r;
        }
      if (inside) blend(x, y, color, inside / 16.f);
    }
}

}  // namespace edgewm::world
