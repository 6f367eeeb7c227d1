#pragma once
// Animated GIF through giflib, for people to look at rollouts (truth | dream). Frames are kept
// until close(), which picks one 256-colour palette for the whole animation (the most frequent
// colours at 5 bits per channel, each pixel mapped to the nearest) and writes the file.
#include <string>
#include <vector>

#include "edgewm/image.h"

namespace edgewm {

class GifWriter {
 public:
  // delay: hundredths of a second per frame; the animation loops forever.
  GifWriter(const std::string& path, int width, int height, int delay_cs = 10);
  ~GifWriter();  // writes the file if close() was not called (errors then go unreported)
  GifWriter(const GifWriter&) = delete;
  GifWriter& operator=(const GifWriter&) = delete;
  void add_frame(const Image& rgb);  // width x height, 1/3/4 channels
  void close();                      // writes the file

 private:
  std::string path_;
  int width_, height_, delay_;
  std::vector<Image> frames_;
  bool closed_ = false;
};

// Copies `src` into `dst` at (x, y), each pixel repeated `scale` times in both directions.
void paste_scaled(const Image& src, Image& dst, int x, int y, int scale = 1);

}  // namespace edgewm
