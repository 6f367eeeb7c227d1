#pragma once
// Drawing for the simulators in world units (the screen is 1 unit tall, width/height units
// wide), with exact area-coverage antialiasing: an object moving a fraction of a pixel changes
// the frame, so a world model can see sub-pixel motion.
#include <array>

#include "edgewm/image.h"

namespace edgewm::world {

using Rgb = std::array<float, 3>;

class Canvas {
 public:
  explicit Canvas(Image& target);
  double aspect() const { return static_cast<double>(img_.width) / img_.height; }
  // Vertical gradient from `top` to `bottom`.
  void fill_vertical_gradient(const Rgb& top, const Rgb& bottom);
  // Axis-aligned rectangle [x0, x1) x [y0, y1) in world units, blended by pixel coverage.
  void fill_rect(double x0, double y0, double x1, double y1, const Rgb& color);
  // Disc, coverage estimated on a 4x4 sub-pixel grid.
  void fill_disc(double cx, double cy, double r, const Rgb& color);

 private:
  void blend(int x, int y, const Rgb& c, float alpha);
  Image& img_;
};

}  // namespace edgewm::world
