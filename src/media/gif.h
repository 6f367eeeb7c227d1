#pragma once
// Animated GIF through giflib, for people to look at rollouts (truth | dream). Colours are
// mapped to a fixed 6x7x6 RGB cube: plenty for comparing frames by eye, no per-frame palette.
#include <string>

#include "edgewm/image.h"

namespace edgewm {

class GifWriter {
 public:
  // delay: hundredths of a second per frame; the animation loops forever.
  GifWriter(const std::string& path, int width, int height, int delay_cs = 10);
  ~GifWriter();  // closes the file if close() was not called (errors then go unreported)
  GifWriter(const GifWriter&) = delete;
  GifWriter& operator=(const GifWriter&) = delete;
  void add_frame(const Image& rgb);  // width x height, 1/3/4 channels
  void close();

 private:
  std::string path_;
  int width_, height_, delay_;
  void* gif_ = nullptr;  // GifFileType*
};

// Copies `src` into `dst` at (x, y), each pixel repeated `scale` times in both directions.
void paste_scaled(const Image& src, Image& dst, int x, int y, int scale = 1);

}  // namespace edgewm
