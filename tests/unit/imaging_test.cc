// Frame <-> tensor conversion (T_pre / T_post), checked against the ONNX Resize kernel (itself
// checked by the ONNX conformance data) and against exact round trips.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <unistd.h>

#include "imaging/image_tensor.h"
#include "imaging/motion.h"
#include "media/png.h"
#include "op_test_util.h"

namespace edgewm {
namespace {

using testing::attr_string;
using testing::in;
using testing::make_i64;
using testing::run_op;

Image random_image(int w, int h, int c, unsigned seed) {
  Image img(w, h, c);
  std::mt19937 rng(seed);
  for (auto& p : img.pixels) p = static_cast<uint8_t>(rng() & 255);
  return img;
}

// The image as f32 NCHW in [0, 255], channel for channel.
Tensor planar(const Image& img) {
  Tensor t(DType::kF32, Shape{1, img.channels, img.height, img.width});
  float* p = t.as<float>();
  for (int k = 0; k < img.channels; ++k)
    for (int y = 0; y < img.height; ++y)
      for (int x = 0; x < img.width; ++x) p[(k * img.height + y) * img.width + x] = img.row(y)[x * img.channels + k];
  return t;
}

TEST(ImageToTensor, ResizeMatchesOnnxLinearResize) {
  const struct {
    int w, h;
    int64_t ow, oh;
  } cases[] = {{13, 7, 20, 9}, {32, 32, 16, 16}, {64, 48, 32, 32}, {5, 5, 5, 5}, {1, 3, 4, 2}, {30, 17, 7, 29}};
  for (const auto& c : cases) {
    Image img = random_image(c.w, c.h, 3, static_cast<unsigned>(c.w * 31 + c.h));
    Tensor got(DType::kF32, Shape{2, 3, c.oh, c.ow});
    image_to_tensor(img, got.view(), 1, {PixelNormalization::unit(), TensorLayout::kNCHW});
    auto want = run_op("Resize", in(planar(img), Tensor(), Tensor(), make_i64({4}, {1, 3, c.oh, c.ow})),
                       {attr_string("mode", "linear")}, 1, 13);
    const float* g = got.as<float>() + 3 * c.oh * c.ow;  // batch item 1
    const float* w = want[0].as<float>();
    for (int64_t i = 0; i < 3 * c.oh * c.ow; ++i)
      ASSERT_NEAR(g[i] * 255.f, w[i], 1e-3f) << c.w << "x" << c.h << " -> " << c.ow << "x" << c.oh << " at " << i;
    // Batch item 0 untouched.
    for (int64_t i = 0; i < 3 * c.oh * c.ow; ++i) ASSERT_EQ(got.as<float>()[i], 0.f);
  }
}

TEST(ImageToTensor, NormalisationAndLayout) {
  Image img = random_image(6, 4, 3, 7);
  PixelNormalization norm{{0.485f, 0.456f, 0.406f, 0}, {0.229f, 0.224f, 0.225f, 1}};
  Tensor nchw(DType::kF32, Shape{1, 3, 4, 6}), nhwc(DType::kF32, Shape{1, 4, 6, 3});
  image_to_tensor(img, nchw.view(), 0, {norm, TensorLayout::kNCHW});
  image_to_tensor(img, nhwc.view(), 0, {norm, TensorLayout::kNHWC});
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 6; ++x)
      for (int k = 0; k < 3; ++k) {
        float want = (img.row(y)[x * 3 + k] / 255.f - norm.mean[k]) / norm.std[k];
        EXPECT_NEAR(nchw.as<float>()[(k * 4 + y) * 6 + x], want, 1e-5f);
        EXPECT_NEAR(nhwc.as<float>()[(y * 6 + x) * 3 + k], want, 1e-5f);
      }
}

TEST(ImageToTensor, ChannelAdaptation) {
  Image rgba = random_image(3, 2, 4, 9), grey = random_image(3, 2, 1, 10);
  Tensor rgb(DType::kF32, Shape{1, 3, 2, 3}), luma(DType::kF32, Shape{1, 1, 2, 3}), grey3(DType::kF32, Shape{1, 3, 2, 3});
  const ImageTensorOptions unit{PixelNormalization::unit(), TensorLayout::kNCHW};
  image_to_tensor(rgba, rgb.view(), 0, unit);   // alpha dropped
  image_to_tensor(rgba, luma.view(), 0, unit);  // BT.601 luma
  image_to_tensor(grey, grey3.view(), 0, unit); // replicated
  for (int i = 0; i < 6; ++i) {
    const uint8_t* px = rgba.pixels.data() + i * 4;
    for (int k = 0; k < 3; ++k) EXPECT_FLOAT_EQ(rgb.as<float>()[k * 6 + i] * 255.f, px[k]);
    EXPECT_NEAR(luma.as<float>()[i] * 255.f, 0.299f * px[0] + 0.587f * px[1] + 0.114f * px[2], 1e-3f);
    for (int k = 0; k < 3; ++k) EXPECT_FLOAT_EQ(grey3.as<float>()[k * 6 + i] * 255.f, grey.pixels[i]);
  }
}

TEST(TensorToImage, RoundTripIsExactInBothLayouts) {
  for (TensorLayout layout : {TensorLayout::kNCHW, TensorLayout::kNHWC})
    for (int c : {1, 3, 4}) {
      Image img = random_image(9, 5, c, static_cast<unsigned>(c));
      Shape s = layout == TensorLayout::kNCHW ? Shape{2, c, 5, 9} : Shape{2, 5, 9, c};
      Tensor t(DType::kF32, s);
      image_to_tensor(img, t.view(), 1, {PixelNormalization{}, layout});
      Image back = tensor_to_image(t.view(), 1, {PixelNormalization{}, layout});
      EXPECT_EQ(back.pixels, img.pixels) << "channels " << c;
    }
}

TEST(TensorToImage, ClampsOutOfRangeAndNaN) {
  Tensor t(DType::kF32, Shape{1, 1, 1, 4});
  float* p = t.as<float>();
  p[0] = -3.f;
  p[1] = 3.f;
  p[2] = std::nanf("");
  p[3] = 0.f;  // mid-grey in [-1, 1]
  Image img = tensor_to_image(t.view(), 0);
  EXPECT_EQ(img.pixels, (std::vector<uint8_t>{0, 255, 0, 128}));
}

TEST(ImageTensor, BadArgumentsAreErrors) {
  Image img = random_image(4, 4, 3, 1);
  Tensor ints(DType::kI64, Shape{1, 3, 4, 4}), five(DType::kF32, Shape{1, 5, 4, 4}), ok(DType::kF32, Shape{1, 3, 4, 4});
  EXPECT_THROW(image_to_tensor(img, ints.view(), 0), Error);
  EXPECT_THROW(image_to_tensor(img, five.view(), 0), Error);
  EXPECT_THROW(image_to_tensor(img, ok.view(), 1), Error);
  Image broken = img;
  broken.pixels.pop_back();
  EXPECT_THROW(image_to_tensor(broken, ok.view(), 0), Error);
  EXPECT_THROW(tensor_to_image(ints.view(), 0), Error);
}

TEST(Png, WriteReadRoundTripAndErrors) {
  auto dir = std::filesystem::temp_directory_path() / ("edgewm_png_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (int c : {1, 3, 4}) {
    Image img = random_image(17, 9, c, static_cast<unsigned>(40 + c));
    std::string path = (dir / ("x" + std::to_string(c) + ".png")).string();
    write_png(path, img);
    Image back = read_png(path);
    EXPECT_EQ(back.channels, c);
    EXPECT_EQ(back.pixels, img.pixels);
  }
  std::string junk = (dir / "junk.png").string();
  std::FILE* f = std::fopen(junk.c_str(), "wb");
  std::fputs("not a png", f);
  std::fclose(f);
  EXPECT_THROW(read_png(junk), Error);
  EXPECT_THROW(read_png((dir / "missing.png").string()), Error);
  std::filesystem::remove_all(dir);
}

// A smooth random pattern moved by a known sub-pixel translation: the estimate recovers it.
std::vector<float> smooth_pattern(int c, int h, int w, uint32_t seed) {
  std::vector<float> v(static_cast<size_t>(c) * h * w);
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> u(0.f, 6.28f);
  const float p1 = u(g), p2 = u(g), p3 = u(g);
  for (int ch = 0; ch < c; ++ch)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        v[(static_cast<size_t>(ch) * h + y) * w + x] =
            std::sin(0.45f * x + p1 + ch) * std::cos(0.3f * y + p2) + 0.5f * std::sin(0.2f * (x + y) + p3);
  return v;
}

TEST(Motion, RecoversKnownTranslations) {
  const int c = 3, h = 32, w = 32;
  const auto from = smooth_pattern(c, h, w, 3);
  std::vector<float> to(from.size());
  for (auto [dx, dy] : std::vector<std::pair<double, double>>{{1.0, 0.0}, {-1.3, 0.4}, {0.6, -2.2}, {0, 0}}) {
    translate(from, to, c, h, w, {dx, dy});
    const Translation t = estimate_translation(from, to, c, h, w);
    EXPECT_NEAR(t.dx, dx, 0.15) << dx << "," << dy;
    EXPECT_NEAR(t.dy, dy, 0.15) << dx << "," << dy;
  }
  translate(from, to, c, h, w, {});  // no motion: an exact copy
  EXPECT_EQ(to, from);
  translate(from, to, c, h, w, {2, 0});  // whole pixels move samples exactly, edges clamp
  EXPECT_EQ(to[5], from[3]);
  EXPECT_EQ(to[0], from[0]);
  EXPECT_THROW(estimate_translation(from, std::span<const float>(to).first(10), c, h, w), Error);
  EXPECT_THROW(translate(from, to, c, h, w + 1, {}), Error);
}

}  // namespace
}  // namespace edgewm
