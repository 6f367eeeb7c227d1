#include "media/gif.h"

#include <gif_lib.h>

#include <algorithm>
#include <array>
#include <memory>
#include <numeric>

#include "edgewm/error.h"

namespace edgewm {

namespace {

inline int bin_of(const uint8_t* px, int channels) {
  const int r = px[0], g = channels >= 3 ? px[1] : px[0], b = channels >= 3 ? px[2] : px[0];
  return ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
}

std::string gif_error(int code) {
  const char* s = GifErrorString(code);
  return s ? s : "unknown giflib error";
}

struct GifCloser {
  void operator()(GifFileType* g) const {
    if (g) EGifCloseFile(g, nullptr);
  }
};

}  // namespace

GifWriter::GifWriter(const std::string& path, int width, int height, int delay_cs)
    : path_(path), width_(width), height_(height), delay_(delay_cs) {
  if (width <= 0 || height <= 0 || width > 4096 || height > 4096)
    throw Error(ErrorKind::kInvalidArgument, path + ": GIF size out of range");
}

GifWriter::~GifWriter() {
  try {
    close();
  } catch (const Error&) {
  }
}

void GifWriter::add_frame(const Image& img) {
  if (closed_) throw Error(ErrorKind::kInternal, path_ + ": GIF already closed");
  if (img.width != width_ || img.height != height_)
    throw Error(ErrorKind::kInvalidArgument, path_ + ": frame size differs from the GIF's");
  frames_.push_back(img);
}

void GifWriter::close() {
  if (closed_) return;
  closed_ = true;
  // Palette: the most frequent colours (5 bits per channel) over every frame.
  std::vector<uint32_t> count(1 << 15, 0);
  for (const Image& f : frames_)
    for (size_t i = 0; i < f.pixels.size(); i += static_cast<size_t>(f.channels)) ++count[bin_of(&f.pixels[i], f.channels)];
  std::vector<int> bins(count.size());
  std::iota(bins.begin(), bins.end(), 0);
  std::partial_sort(bins.begin(), bins.begin() + 256, bins.end(), [&](int a, int b) { return count[a] > count[b]; });
  std::vector<GifColorType> colors(256, GifColorType{0, 0, 0});
  int used = 0;
  for (; used < 256 && count[bins[used]] > 0; ++used) {
    const int b = bins[used];
    colors[used] = {static_cast<GifByteType>(((b >> 10) & 31) * 255 / 31), static_cast<GifByteType>(((b >> 5) & 31) * 255 / 31),
                    static_cast<GifByteType>((b & 31) * 255 / 31)};
  }
  used = std::max(used, 1);
  // Nearest palette entry per bin, computed once per bin that occurs.
  std::vector<int16_t> index(count.size(), -1);
  auto lookup = [&](int bin) {
    if (index[bin] >= 0) return index[bin];
    const int r = ((bin >> 10) & 31) * 255 / 31, g = ((bin >> 5) & 31) * 255 / 31, b = (bin & 31) * 255 / 31;
    int best = 0, best_d = 1 << 30;
    for (int i = 0; i < used; ++i) {
      const int dr = r - colors[i].Red, dg = g - colors[i].Green, db = b - colors[i].Blue;
      const int d = 2 * dr * dr + 4 * dg * dg + 3 * db * db;  // rough perceptual weights
      if (d < best_d) best_d = d, best = i;
    }
    return index[bin] = static_cast<int16_t>(best);
  };

  int err = 0;
  std::unique_ptr<GifFileType, GifCloser> gif(EGifOpenFileName(path_.c_str(), false, &err));
  if (!gif) throw Error(ErrorKind::kIo, path_ + ": cannot create GIF (" + gif_error(err) + ")");
  ColorMapObject* map = GifMakeMapObject(256, colors.data());
  EGifSetGifVersion(gif.get(), true);
  const int header = EGifPutScreenDesc(gif.get(), width_, height_, 8, 0, map);
  GifFreeMapObject(map);
  if (header == GIF_ERROR) throw Error(ErrorKind::kIo, path_ + ": cannot write GIF header (" + gif_error(gif->Error) + ")");
  // NETSCAPE2.0 application extension: loop forever.
  const GifByteType app[] = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'};
  const GifByteType loop[] = {1, 0, 0};
  if (EGifPutExtensionLeader(gif.get(), APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
      EGifPutExtensionBlock(gif.get(), sizeof app, app) == GIF_ERROR ||
      EGifPutExtensionBlock(gif.get(), sizeof loop, loop) == GIF_ERROR || EGifPutExtensionTrailer(gif.get()) == GIF_ERROR)
    throw Error(ErrorKind::kIo, path_ + ": cannot write GIF loop extension");
  std::vector<GifPixelType> line(static_cast<size_t>(width_));
  for (const Image& img : frames_) {
    GraphicsControlBlock gcb{};
    gcb.DisposalMode = DISPOSAL_UNSPECIFIED;
    gcb.DelayTime = delay_;
    gcb.TransparentColor = NO_TRANSPARENT_COLOR;
    GifByteType ext[4];
    const size_t len = EGifGCBToExtension(&gcb, ext);
    if (EGifPutExtension(gif.get(), GRAPHICS_EXT_FUNC_CODE, static_cast<int>(len), ext) == GIF_ERROR ||
        EGifPutImageDesc(gif.get(), 0, 0, width_, height_, false, nullptr) == GIF_ERROR)
      throw Error(ErrorKind::kIo, path_ + ": cannot write GIF frame (" + gif_error(gif->Error) + ")");
    for (int y = 0; y < height_; ++y) {
      const uint8_t* row = img.row(y);
      for (int x = 0; x < width_; ++x)
        line[x] = static_cast<GifPixelType>(lookup(bin_of(row + static_cast<size_t>(x) * img.channels, img.channels)));
      if (EGifPutLine(gif.get(), line.data(), width_) == GIF_ERROR)
        throw Error(ErrorKind::kIo, path_ + ": cannot write GIF frame (" + gif_error(gif->Error) + ")");
    }
  }
  frames_.clear();
  GifFileType* raw = gif.release();
  if (EGifCloseFile(raw, &err) == GIF_ERROR) throw Error(ErrorKind::kIo, path_ + ": cannot finish GIF (" + gif_error(err) + ")");
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
