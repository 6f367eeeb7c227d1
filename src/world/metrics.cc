#include "world/metrics.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "edgewm/error.h"

namespace edgewm::world {

namespace {

void check_same(const Image& a, const Image& b, const char* what) {
  if (a.width != b.width || a.height != b.height || a.channels != b.channels || a.pixels.empty())
    throw Error(ErrorKind::kInvalidArgument,
                std::string(what) + ": frames differ in size (" + std::to_string(a.width) + "x" + std::to_string(a.height) +
                    "x" + std::to_string(a.channels) + " vs " + std::to_string(b.width) + "x" +
                    std::to_string(b.height) + "x" + std::to_string(b.channels) + ") or are empty");
}

constexpr int kWin = 11, kRadius = 5;

std::vector<double> gaussian_window() {
  std::vector<double> g(kWin);
  double sum = 0;
  for (int i = 0; i < kWin; ++i) sum += g[i] = std::exp(-0.5 * (i - kRadius) * (i - kRadius) / (1.5 * 1.5));
  for (double& v : g) v /= sum;
  return g;
}

// Separable Gaussian filter over the window positions that fit ("valid"), one channel.
std::vector<double> filter_valid(const std::vector<double>& img, int w, int h, const std::vector<double>& g) {
  const int ow = w - kWin + 1, oh = h - kWin + 1;
  std::vector<double> tmp(static_cast<size_t>(ow) * h), out(static_cast<size_t>(ow) * oh);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < ow; ++x) {
      double s = 0;
      for (int i = 0; i < kWin; ++i) s += g[i] * img[static_cast<size_t>(y) * w + x + i];
      tmp[static_cast<size_t>(y) * ow + x] = s;
    }
  for (int y = 0; y < oh; ++y)
    for (int x = 0; x < ow; ++x) {
      double s = 0;
      for (int i = 0; i < kWin; ++i) s += g[i] * tmp[static_cast<size_t>(y + i) * ow + x];
      out[static_cast<size_t>(y) * ow + x] = s;
    }
  return out;
}

}  // namespace

double psnr(const Image& a, const Image& b) {
  check_same(a, b, "psnr");
  double se = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    double d = static_cast<double>(a.pixels[i]) - b.pixels[i];
    se += d * d;
  }
  if (se == 0) return std::numeric_limits<double>::infinity();
  return 10 * std::log10(255.0 * 255.0 * static_cast<double>(a.pixels.size()) / se);
}

double ssim(const Image& a, const Image& b) {
  check_same(a, b, "ssim");
  if (a.width < kWin || a.height < kWin)
    throw Error(ErrorKind::kInvalidArgument, "ssim: frames must be at least 11x11");
  const double c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255);
  const auto g = gaussian_window();
  const size_t n = static_cast<size_t>(a.width) * a.height;
  double total = 0;
  for (int c = 0; c < a.channels; ++c) {
    std::vector<double> x(n), y(n), xx(n), yy(n), xy(n);
    for (size_t i = 0; i < n; ++i) {
      x[i] = a.pixels[i * a.channels + c];
      y[i] = b.pixels[i * b.channels + c];
      xx[i] = x[i] * x[i], yy[i] = y[i] * y[i], xy[i] = x[i] * y[i];
    }
    auto mx = filter_valid(x, a.width, a.height, g), my = filter_valid(y, a.width, a.height, g);
    auto sxx = filter_valid(xx, a.width, a.height, g), syy = filter_valid(yy, a.width, a.height, g),
         sxy = filter_valid(xy, a.width, a.height, g);
    double sum = 0;
    for (size_t i = 0; i < mx.size(); ++i) {
      const double vx = sxx[i] - mx[i] * mx[i], vy = syy[i] - my[i] * my[i], cov = sxy[i] - mx[i] * my[i];
      sum += ((2 * mx[i] * my[i] + c1) * (2 * cov + c2)) / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2));
    }
    total += sum / static_cast<double>(mx.size());
  }
  return total / a.channels;
}

}  // namespace edgewm::world
