#include "media/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "edgewm/error.h"

namespace edgewm {

namespace {

// 1, 2 or 5 times a power of ten, giving about `want` ticks up to `top`.
double tick_step(double top, int want) {
  const double raw = top / want, p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw) return m * p;
  return 10 * p;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v >= 10 || v == std::floor(v) ? "%.0f" : "%.1f", v);
  return buf;
}

}  // namespace

Image stacked_bar_chart(const std::string& title, const std::string& y_label, const std::vector<BarSeries>& series,
                        const std::vector<ReferenceLine>& lines, int width, int height) {
  if (series.empty() || series[0].values.empty()) throw Error(ErrorKind::kInvalidArgument, "chart: no data");
  const size_t n = series[0].values.size();
  for (const auto& s : series)
    if (s.values.size() != n) throw Error(ErrorKind::kInvalidArgument, "chart: series lengths differ");
  Image img(width, height, 3);
  std::fill(img.pixels.begin(), img.pixels.end(), 255);
  const Color ink{40, 40, 40}, grid{225, 225, 225};
  const int left = 56, right = width - 16, top = 36, bottom = height - 40;
  double ymax = 0;
  for (size_t i = 0; i < n; ++i) {
    double sum = 0;
    for (const auto& s : series) sum += std::max(0.0, s.values[i]);
    ymax = std::max(ymax, sum);
  }
  for (const auto& l : lines) ymax = std::max(ymax, l.value);
  ymax = ymax > 0 ? ymax * 1.08 : 1;
  const double step = tick_step(ymax, 6);
  ymax = std::ceil(ymax / step) * step;
  auto y_of = [&](double v) { return bottom - static_cast<int>(std::lround(v / ymax * (bottom - top))); };

  draw_text(img, left, 10, title, ink, 2);
  for (double v = 0; v <= ymax + 1e-9; v += step) {
    const int y = y_of(v);
    fill_box(img, left, y, right, y + 1, grid);
    const std::string t = number(v);
    draw_text(img, left - 6 - text_width(t), y - 3, t, ink);
  }
  draw_text(img, 4, top - 12, y_label, ink);
  const double bw = static_cast<double>(right - left) / n;
  for (size_t i = 0; i < n; ++i) {
    const int x0 = left + static_cast<int>(i * bw), x1 = std::max(x0 + 1, left + static_cast<int>((i + 1) * bw) - (bw > 3));
    double base = 0;
    for (const auto& s : series) {
      const double v = std::max(0.0, s.values[i]);
      fill_box(img, x0, y_of(base + v), x1, y_of(base) + (base == 0), s.color);
      base += v;
    }
  }
  fill_box(img, left, top, left + 1, bottom + 1, ink);
  fill_box(img, left, bottom, right, bottom + 1, ink);
  for (size_t i = 0; i < n; i += std::max<size_t>(1, n / 8)) {
    const std::string t = std::to_string(i);
    draw_text(img, left + static_cast<int>((i + 0.5) * bw) - text_width(t) / 2, bottom + 5, t, ink);
  }
  draw_text(img, right - text_width("FRAME"), bottom + 16, "frame", ink);
  for (const auto& l : lines) {
    const int y = y_of(l.value);
    for (int x = left; x < right; x += 8) fill_box(img, x, y, std::min(right, x + 5), y + 2, l.color);
    const std::string t = l.name + " " + number(l.value);
    draw_text(img, right - text_width(t) - 2, y - 10, t, l.color);
  }
  // Legend.
  int x = left + 8;
  for (const auto& s : series) {
    fill_box(img, x, height - 14, x + 10, height - 6, s.color);
    x = draw_text(img, x + 14, height - 14, s.name, ink) + 12;
  }
  return img;
}

}  // namespace edgewm
