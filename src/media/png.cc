#include "media/png.h"

#include <png.h>

#include <cstring>

#include "edgewm/error.h"

namespace edgewm {

Image read_png(const std::string& path) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&png, path.c_str()))
    throw Error(ErrorKind::kInvalidArgument, path + ": not a readable PNG (" + png.message + ")");
  // Any alpha -> RGBA, colour -> RGB, otherwise grey.
  int channels = (png.format & PNG_FORMAT_FLAG_ALPHA) ? 4 : (png.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
  png.format = channels == 1 ? PNG_FORMAT_GRAY : channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_RGBA;
  if (png.width == 0 || png.height == 0 || png.width > (1u << 15) || png.height > (1u << 15)) {
    png_image_free(&png);
    throw Error(ErrorKind::kInvalidArgument, path + ": PNG of " + std::to_string(png.width) + "x" +
                                                 std::to_string(png.height) + " pixels is out of range");
  }
  Image img(static_cast<int>(png.width), static_cast<int>(png.height), channels);
  if (!png_image_finish_read(&png, nullptr, img.pixels.data(), 0, nullptr))
    throw Error(ErrorKind::kInvalidArgument, path + ": corrupt PNG (" + png.message + ")");
  return img;
}

void write_png(const std::string& path, const Image& image) {
  if (image.channels != 1 && image.channels != 3 && image.channels != 4)
    throw Error(ErrorKind::kInvalidArgument, path + ": cannot write a " + std::to_string(image.channels) + "-channel PNG");
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = image.channels == 1 ? PNG_FORMAT_GRAY : image.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_RGBA;
  if (!png_image_write_to_file(&png, path.c_str(), 0, image.pixels.data(), 0, nullptr))
    throw Error(ErrorKind::kIo, path + ": cannot write PNG (" + png.message + ")");
}

}  // namespace edgewm
