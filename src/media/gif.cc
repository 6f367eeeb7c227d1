#include "media/gif.h"

#include <gif_lib.h>

#include <algorithm>
#include <vector>

#include "edgewm/error.h"

namespace edgewm {

namespace {

constexpr int kR = 6, kG = 7, kB = 6;  // 252 colours

inline int cube_index(const uint8_t* px, int channels) {
  const int r = channels >= 3 ? px[0] : px[0], g = channels >= 3 ? px[1] : px[0], b = channels >= 3 ? px[2] : px[0];
  return ((r * (kR - 1) + 127) / 255 * kG + (g * (kG - 1) + 127) / 255) * kB + (b * (kB - 1) + 127) / 255;
}

std::string gif_error(int code) {
  const char* s = GifErrorString(code);
  return s ? s : "unknown giflib error";
}

}  // namespace

GifWriter::GifWriter(const std::string& path, int width, int height, int delay_cs)
    : path_(path), width_(width), height_(height), delay_(delay_cs) {
  if (width <= 0 || height <= 0 || width > 4096 || height > 4096)
    throw Error(ErrorKind::kInvalidArgument, path + ": GIF size out of range");
  int err = 0;
  GifFileType* gif = EGifOpenFileName(path.c_str(), false, &err);
  if (!gif) throw Error(ErrorKind::kIo, path + ": cannot create GIF (" + gif_error(err) + ")");
  gif_ = gif;
  std::vector<GifColorType> colors(256, GifColorType{0, 0, 0});
  for (int r = 0; r < kR; ++r)
    for (int g = 0; g < kG; ++g)
      for (int b = 0; b < kB; ++b)
        colors[(r * kG + g) * kB + b] = {static_cast<GifByteType>(r * 255 / (kR - 1)),
                                         static_cast<GifByteType>(g * 255 / (kG - 1)),
                                         static_cast<GifByteType>(b * 255 / (kB - 1))};
  ColorMapObject* map = GifMakeMapObject(256, colors.data());
  EGifSetGifVersion(gif, true);
  if (EGifPutScreenDesc(gif, width, height, 8, 0, map) == GIF_ERROR) {
    GifFreeMapObject(map);
    throw Error(ErrorKind::kIo, path + ": cannot write GIF header (" + gif_error(gif->Error) + ")");
  }
  GifFreeMapObject(map);
  // NETSCAPE2.0 application extension: loop forever.
  const GifByteType app[] = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'};
  const GifByteType loop[] = {1, 0, 0};
  if (EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
      EGifPutExtensionBlock(gif, sizeof app, app) == GIF_ERROR || EGifPutExtensionBlock(gif, sizeof loop, loop) == GIF_ERROR ||
      EGifPutExtensionTrailer(gif) == GIF_ERROR)
    throw Error(ErrorKind::kIo, path + ": cannot write GIF loop extension");
}

GifWriter::~GifWriter() {
  if (gif_) EGifCloseFile(static_cast<GifFileType*>(gif_), nullptr);
}

void GifWriter::add_frame(const Image& img) {
  if (!gif_) throw Error(ErrorKind::kInternal, path_ + ": GIF already closed");
  if (img.width != width_ || img.height != height_)
    throw Error(ErrorKind::kInvalidArgument, path_ + ": frame size differs from the GIF's");
  auto* gif = static_cast<GifFileType*>(gif_);
  GraphicsControlBlock gcb{};
  gcb.DisposalMode = DISPOSAL_UNSPECIFIED;
  gcb.DelayTime = delay_;
  gcb.TransparentColor = NO_TRANSPARENT_COLOR;
  GifByteType ext[4];
  const size_t len = EGifGCBToExtension(&gcb, ext);
  std::vector<GifPixelType> line(static_cast<size_t>(width_));
  if (EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(len), ext) == GIF_ERROR ||
      EGifPutImageDesc(gif, 0, 0, width_, height_, false, nullptr) == GIF_ERROR)
    throw Error(ErrorKind::kIo, path_ + ": cannot write GIF frame (" + gif_error(gif->Error) + ")");
  for (int y = 0; y < height_; ++y) {
    const uint8_t* row = img.row(y);
    for (int x = 0; x < width_; ++x) line[x] = static_cast<GifPixelType>(cube_index(row + x * img.channels, img.channels));
    if (EGifPutLine(gif, line.data(), width_) == GIF_ERROR)
      throw Error(ErrorKind::kIo, path_ + ": cannot write GIF frame (" + gif_error(gif->Error) + ")");
  }
}

void GifWriter::close() {
  if (!gif_) return;
  int err = 0;
  auto* gif = static_cast<GifFileType*>(gif_);
  gif_ = nullptr;
  if (EGifCloseFile(gif, &err) == GIF_ERROR) throw Error(ErrorKind::kIo, path_ + ": cannot finish GIF (" + gif_error(err) + ")");
}

void paste_scaled(const Image& src, Image& dst, int x0, int y0, int scale) {
  for (int y = 0; y < src.height * scale; ++y) {
    const int dy = y0 + y;
    if (dy < 0 || dy >= dst.height) continue;
    const uint8_t* s = src.row(y / scale);
    uint8_t* d = dst.row(dy);
    for (int x = 0; x < src.width * scale; ++x) {
      const int dx = x0 + x;
      if (dx < 0 || dx >= dst.width) continue;
      const uint8_t* px = s + (x / scale) * src.channels;
      for (int k = 0; k < dst.channels; ++k) d[dx * dst.channels + k] = px[std::min(k, src.channels - 1)];
    }
  }
}

}  // namespace edgewm
