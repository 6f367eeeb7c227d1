#include "imaging/motion.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "edgewm/error.h"

namespace edgewm {

namespace {

void check(std::span<const float> a, int channels, int height, int width, const char* what) {
  if (channels < 1 || height < 1 || width < 1 ||
      a.size() != static_cast<size_t>(channels) * static_cast<size_t>(height) * static_cast<size_t>(width))
    throw Error(ErrorKind::kInvalidArgument, std::string(what) + ": frame size does not match channels x height x width");
}

// Mean squared difference between to(x + dx, y + dy) and from(x, y) over their overlap.
double shifted_cost(std::span<const float> from, std::span<const float> to, int c, int h, int w, int dx, int dy) {
  const int x0 = std::max(0, -dx), x1 = std::min(w, w - dx), y0 = std::max(0, -dy), y1 = std::min(h, h - dy);
  if (x1 <= x0 || y1 <= y0) return std::numeric_limits<double>::infinity();
  double sum = 0;
  for (int ch = 0; ch < c; ++ch)
    for (int y = y0; y < y1; ++y) {
      const float* f = from.data() + (static_cast<size_t>(ch) * h + y) * w;
      const float* t = to.data() + (static_cast<size_t>(ch) * h + y + dy) * w + dx;
      for (int x = x0; x < x1; ++x) {
        const double d = static_cast<double>(t[x]) - f[x];
        sum += d * d;
      }
    }
  return sum / (static_cast<double>(c) * (x1 - x0) * (y1 - y0));
}

// Vertex of the parabola through (-1, a), (0, b), (1, c), kept within half a pixel.
double parabola_offset(double a, double b, double c) {
  const double den = a - 2 * b + c;
  if (!(den > 1e-12) || !std::isfinite(a) || !std::isfinite(c)) return 0;
  return std::clamp(0.5 * (a - c) / den, -0.5, 0.5);
}

}  // namespace

Translation estimate_translation(std::span<const float> from, std::span<const float> to, int c, int h, int w,
                                 int max_shift) {
  check(from, c, h, w, "estimate_translation");
  check(to, c, h, w, "estimate_translation");
  max_shift = std::clamp(max_shift, 0, std::min(h, w) / 2);
  const int side = 2 * max_shift + 1;
  std::vector<double> cost(static_cast<size_t>(side) * side);
  int best_x = 0, best_y = 0;
  double best = std::numeric_limits<double>::infinity();
  for (int dy = -max_shift; dy <= max_shift; ++dy)
    for (int dx = -max_shift; dx <= max_shift; ++dx) {
      const double v = shifted_cost(from, to, c, h, w, dx, dy);
      cost[static_cast<size_t>(dy + max_shift) * side + dx + max_shift] = v;
      // Ties go to the smaller motion: a static frame stays put.
      if (v < best || (v == best && std::abs(dx) + std::abs(dy) < std::abs(best_x) + std::abs(best_y))) {
        best = v, best_x = dx, best_y = dy;
      }
    }
  auto at = [&](int dx, int dy) {
    if (std::abs(dx) > max_shift || std::abs(dy) > max_shift) return std::numeric_limits<double>::infinity();
    return cost[static_cast<size_t>(dy + max_shift) * side + dx + max_shift];
  };
  Translation t;
  t.dx = best_x + parabola_offset(at(best_x - 1, best_y), best, at(best_x + 1, best_y));
  t.dy = best_y + parabola_offset(at(best_x, best_y - 1), best, at(best_x, best_y + 1));
  return t;
}

void translate(std::span<const float> in, std::span<float> out, int c, int h, int w, Translation t) {
  check(in, c, h, w, "translate");
  if (out.size() != in.size()) throw Error(ErrorKind::kInvalidArgument, "translate: output size differs");
  for (int y = 0; y < h; ++y) {
    const double sy = std::clamp(y - t.dy, 0.0, h - 1.0);
    const int y0 = std::min(static_cast<int>(sy), h - 1), y1 = std::min(y0 + 1, h - 1);
    const float fy = static_cast<float>(sy - y0);
    for (int x = 0; x < w; ++x) {
      const double sx = std::clamp(x - t.dx, 0.0, w - 1.0);
      const int x0 = std::min(static_cast<int>(sx), w - 1), x1 = std::min(x0 + 1, w - 1);
      const float fx = static_cast<float>(sx - x0);
      for (int ch = 0; ch < c; ++ch) {
        const float* p = in.data() + static_cast<size_t>(ch) * h * w;
        const float top = p[y0 * w + x0] + (p[y0 * w + x1] - p[y0 * w + x0]) * fx;
        const float bottom = p[y1 * w + x0] + (p[y1 * w + x1] - p[y1 * w + x0]) * fx;
        out[static_cast<size_t>(ch) * h * w + static_cast<size_t>(y) * w + x] = top + (bottom - top) * fy;
      }
    }
  }
}

}  // namespace edgewm
