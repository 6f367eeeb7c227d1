#pragma once
// A 5x7 bitmap font for labels on plots and frames: no font files, no dependencies.
#include <array>
#include <string>

#include "edgewm/image.h"

namespace edgewm {

using Color = std::array<uint8_t, 3>;

// Draws `text` (upper-cased; unknown characters as blanks) with its top-left at (x, y), each
// font pixel `scale` x `scale`. Returns the x after the last character.
int draw_text(Image& img, int x, int y, const std::string& text, const Color& color, int scale = 1);
int text_width(const std::string& text, int scale = 1);
inline constexpr int kTextHeight = 7;

void fill_box(Image& img, int x0, int y0, int x1, int y1, const Color& color);  // [x0, x1) x [y0, y1)

}  // namespace edgewm
