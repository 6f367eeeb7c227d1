#pragma once
// PNG files <-> Image, through libpng. Workstation/tool side: a device gets frames from its
// camera, not from files.
#include <string>

#include "edgewm/image.h"

namespace edgewm {

// Grey, RGB or RGBA as stored (palette and 16-bit images are converted to 8-bit RGB(A)).
Image read_png(const std::string& path);
void write_png(const std::string& path, const Image& image);

}  // namespace edgewm
