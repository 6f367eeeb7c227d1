#pragma once
// An 8-bit image as cameras and decoders hand it over: rows of interleaved channels (HWC).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace edgewm {

struct Image {
  int width = 0, height = 0, channels = 0;  // channels: 1 (grey), 3 (RGB) or 4 (RGBA)
  std::vector<uint8_t> pixels;              // height * width * channels

  Image() = default;
  Image(int w, int h, int c) : width(w), height(h), channels(c), pixels(static_cast<size_t>(w) * h * c) {}
  uint8_t* row(int y) { return pixels.data() + static_cast<size_t>(y) * width * channels; }
  const uint8_t* row(int y) const { return pixels.data() + static_cast<size_t>(y) * width * channels; }
};

}  // namespace edgewm
