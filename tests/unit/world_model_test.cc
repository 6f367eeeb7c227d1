// The world-model API and the rollout evaluation, driven by a synthetic denoiser whose answer
// is known: D(x, sigma, past, action) = newest past frame + 0.1 * action.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "compiler/compile.h"
#include "diffusion/edm.h"
#include "edgewm/world.h"
#include "onnx_builder.h"
#include "world/metrics.h"
#include "world/rollout.h"

namespace edgewm {
namespace {

using testing::OnnxBuilder;

// sigma_term: add 0.1 * sigma too, a denoiser whose estimate converges as sigma falls.
std::shared_ptr<const Model> shift_denoiser(int k, int size, std::map<std::string, std::string> meta,
                                            bool sigma_term = false) {
  OnnxBuilder b;
  b.input("noisy_frame", {1, 3, size, size})
      .input("sigma", {1})
      .input("past_frames", {1, 3 * k, size, size})
      .input("action", {1}, onnx::TensorProto::INT64)
      .output("denoised");
  auto i64 = [](std::vector<int64_t> v) {
    Tensor t(DType::kI64, Shape{static_cast<int64_t>(v.size())});
    for (size_t i = 0; i < v.size(); ++i) t.as<int64_t>()[i] = v[i];
    return t;
  };
  Tensor tenth(DType::kF32, Shape{1});
  tenth.as<float>()[0] = 0.1f;
  b.initializer("starts", i64({3 * k - 3})).initializer("ends", i64({3 * k})).initializer("axes", i64({1}));
  b.initializer("tenth", tenth);
  b.node("Slice", {"past_frames", "starts", "ends", "axes"}, {"last"});
  auto& cast = b.node("Cast", {"action"}, {"action_f"});
  OnnxBuilder::int_attr(cast, "to", onnx::TensorProto::FLOAT);
  b.node("Mul", {"action_f", "tenth"}, {"shift"});
  if (sigma_term) {
    b.node("Mul", {"sigma", "tenth"}, {"sigma_shift"});
    b.node("Add", {"action_f", "sigma_shift"}, {"unused_mix"});  // keeps both paths in the graph
    b.node("Add", {"shift", "sigma_shift"}, {"shift_total"});
    b.node("Add", {"last", "shift_total"}, {"shifted"});
  } else {
    b.node("Add", {"last", "shift"}, {"shifted"});
  }
  // Uses the noisy frame and sigma with weight 0, as a real denoiser's inputs are all used.
  b.node("Mul", {"noisy_frame", "sigma"}, {"xs"});
  b.node("Mul", {"xs", "tenth"}, {"xs2"});
  b.node("Sub", {"xs2", "xs2"}, {"zero"});
  b.node("Add", {"shifted", "zero"}, {"denoised"});
  CompileOptions o;
  o.metadata = std::move(meta);
  CompiledModel m = compile_imported(import_onnx_bytes(b.bytes(), "."), o);
  return Model::from_bytes(m.serialize());
}

std::map<std::string, std::string> world_meta(int k) {
  return {{"diffusion.parameterization", "edm-x0"}, {"diffusion.sigma_min", "0.002"}, {"diffusion.sigma_max", "5"},
          {"diffusion.steps", "3"}, {"world.context_frames", std::to_string(k)},
          {"world.action_names", "none,up,down,slow,fast"}};
}

Image grey(int size, uint8_t v) {
  Image img(size, size, 3);
  std::fill(img.pixels.begin(), img.pixels.end(), v);
  return img;
}

TEST(WorldModel, StepsFollowTheDenoiserAndFeedTheHistory) {
  WorldModelOptions options;
  options.seed = 7;
  options.threads = 1;
  WorldModel wm(shift_denoiser(2, 16, world_meta(2)), options);
  EXPECT_EQ(wm.context_frames(), 2);
  EXPECT_EQ(wm.frame_width(), 16);
  EXPECT_EQ(wm.steps(), 3);
  ASSERT_EQ(wm.action_names().size(), 5u);
  std::vector<Image> history = {grey(16, 10), grey(16, 100)};  // 100 -> -0.2157 in [-1, 1]
  wm.reset(history);
  // Newest frame + 0.1 * action, in [-1, 1] units (12.75 levels per 0.1).
  double v = 100 / 127.5 - 1;
  for (int a : {1, 2, 0, 4}) {
    const Image& f = wm.step(a);
    v += 0.1 * a;
    const int want = static_cast<int>(std::lround((v + 1) * 127.5));
    EXPECT_EQ(f.pixels.front(), want) << "action " << a;
    EXPECT_EQ(f.pixels.back(), want);
    EXPECT_EQ(wm.last_timing().nfe, 3);
    EXPECT_GE(wm.last_timing().compute_ms, 0);
  }
  wm.observe(grey(16, 200));  // re-anchor on a real frame
  EXPECT_EQ(wm.step(0).pixels[0], 200);
}

// D = newest frame + 0.1 * sigma: the clean-frame estimate at step i is v + 0.1 sigma_i.
TEST(WorldModel, EarlyExitStopsWhereTheEstimateConverges) {
  auto meta = world_meta(2);
  meta["diffusion.steps"] = "8";
  const auto sigmas = diffusion::karras_sigmas(8, {0.002, 5.0, 7.0});
  const double v = 100 / 127.5 - 1;
  for (double tol : {0.5, 0.1, 0.01, 1e-4}) {
    // Independent of the implementation: the first step i >= 1 (not the last) whose change
    // |0.1 (sigma_{i-1} - sigma_i)| is within tol of |v + 0.1 sigma_i|.
    int want_nfe = 8;
    for (int i = 1; i < 7; ++i)
      if (0.1 * (sigmas[i - 1] - sigmas[i]) <= tol * std::abs(v + 0.1 * sigmas[i])) {
        want_nfe = i + 1;
        break;
      }
    WorldModelOptions o;
    o.early_exit_tol = tol;
    WorldModel wm(shift_denoiser(2, 16, meta, true), o);
    std::vector<Image> history = {grey(16, 100), grey(16, 100)};
    wm.reset(history);
    const Image& f = wm.step(0);
    EXPECT_EQ(wm.last_timing().nfe, want_nfe) << "tol " << tol;
    const double est = v + 0.1 * (want_nfe < 8 ? sigmas[want_nfe - 1] : sigmas[7]);
    EXPECT_EQ(f.pixels[0], std::lround((std::clamp(est, -1.0, 1.0) + 1) * 127.5)) << "tol " << tol;
    EXPECT_EQ(wm.last_timing().exit == StepTiming::Exit::kConverged, want_nfe < 8);
  }
}

TEST(WorldModel, WarmStartSkipsTheHighNoiseSteps) {
  auto meta = world_meta(2);
  meta["diffusion.steps"] = "5";
  WorldModelOptions o;
  o.warm_start_step = 2;
  WorldModel wm(shift_denoiser(2, 16, meta, true), o);
  std::vector<Image> history = {grey(16, 10), grey(16, 100)};
  wm.reset(history);
  wm.step(0);
  EXPECT_EQ(wm.last_timing().nfe, 3);
  o.warm_start_step = 5;
  EXPECT_THROW(WorldModel(shift_denoiser(2, 16, meta, true), o), Error);
}

TEST(WorldModel, DeadlineReturnsTheCurrentEstimateInTime) {
  auto meta = world_meta(2);
  meta["diffusion.steps"] = "6";
  WorldModelOptions o;
  o.budget_ms = 1e-9;  // nothing fits after the first evaluation
  WorldModel wm(shift_denoiser(2, 16, meta, true), o);
  std::vector<Image> history = {grey(16, 10), grey(16, 100)};
  wm.reset(history);
  const Image& f = wm.step(0);
  EXPECT_EQ(wm.last_timing().nfe, 1);
  EXPECT_EQ(wm.last_timing().exit, StepTiming::Exit::kDeadline);
  // The first estimate: v + 0.1 * sigma_max (5), clamped to the pixel range.
  EXPECT_EQ(f.pixels[0], std::lround((std::clamp(100 / 127.5 - 1 + 0.5, -1.0, 1.0) + 1) * 127.5));
  o.budget_ms = 1e6;  // everything fits
  WorldModel roomy(shift_denoiser(2, 16, meta, true), o);
  roomy.reset(history);
  roomy.step(0);
  EXPECT_EQ(roomy.last_timing().nfe, 6);
  EXPECT_EQ(roomy.last_timing().exit, StepTiming::Exit::kFull);
}

TEST(WorldModel, RejectsWhatIsNotAWorldModel) {
  auto meta = world_meta(2);
  meta.erase("world.context_frames");
  EXPECT_THROW(WorldModel(shift_denoiser(2, 16, meta)), Error);
  meta = world_meta(3);  // K in the metadata does not match the inputs
  EXPECT_THROW(WorldModel(shift_denoiser(2, 16, meta)), Error);
  meta = world_meta(2);
  meta["diffusion.parameterization"] = "epsilon";
  EXPECT_THROW(WorldModel(shift_denoiser(2, 16, meta)), Error);
  WorldModel wm(shift_denoiser(2, 16, world_meta(2)));
  EXPECT_THROW(wm.step(0), Error);  // before reset
  std::vector<Image> one = {grey(16, 1)};
  EXPECT_THROW(wm.reset(one), Error);
  std::vector<Image> two = {grey(16, 1), grey(16, 2)};
  wm.reset(two);
  EXPECT_THROW(wm.step(5), Error);
}

TEST(Rollout, BookkeepingOfHorizonsAndBaselines) {
  WorldModel wm(shift_denoiser(4, 32, world_meta(4)));
  world::RolloutSpec spec;
  spec.episodes = 3;
  spec.horizon = 6;
  world::RolloutReport r = world::evaluate_rollouts(wm, spec);
  ASSERT_EQ(r.steps.size(), 6u);
  EXPECT_EQ(r.episodes, 3);
  ASSERT_EQ(r.truth.size(), 6u);
  ASSERT_EQ(r.context.size(), 4u);
  EXPECT_EQ(r.frame_ms.size(), 18u);
  for (const auto& s : r.steps) {
    EXPECT_GT(s.repeat_psnr, 10);
    EXPECT_LT(s.repeat_psnr, 99);
    EXPECT_LE(s.tf_ssim, 1.0);
  }
  // The horizon-1 autoregressive and teacher-forced predictions see the same history.
  EXPECT_NEAR(r.steps[0].ar_psnr, r.steps[0].tf_psnr, 1e-9);
  EXPECT_NEAR(r.steps[0].repeat_psnr, r.steps[0].tf_repeat_psnr, 1e-9);
}

// The shipped world model (models/drone_world): a warm start from the motion-compensated
// newest frame plus early exit halves the denoiser calls of a 4-step schedule without losing
// PSNR (teacher-forced or autoregressive); warm-starting from the newest frame as it is loses
// many dB autoregressively, since the scene scrolls every frame.
world::RolloutReport shipped_rollout(int warm_start, const std::string& from, double early_exit) {
  static const std::shared_ptr<const Model> model = Model::from_bytes(
      compile_onnx_file(std::string(EDGEWM_SOURCE_DIR) + "/models/drone_world/model.onnx").serialize());
  WorldModelOptions o;
  o.steps = 4;
  o.threads = 1;
  o.warm_start_step = warm_start;
  o.warm_start_from = from;
  o.early_exit_tol = early_exit;
  WorldModel wm(model, o);
  world::RolloutSpec spec;
  spec.episodes = 6;
  spec.horizon = 6;
  return world::evaluate_rollouts(wm, spec);
}

double mean_tf_psnr(const world::RolloutReport& r) {
  double s = 0;
  for (const auto& h : r.steps) s += h.tf_psnr;
  return s / static_cast<double>(r.steps.size());
}

double mean_ar_psnr(const world::RolloutReport& r) {
  double s = 0;
  for (const auto& h : r.steps) s += h.ar_psnr;
  return s / static_cast<double>(r.steps.size());
}

double mean_nfe(const world::RolloutReport& r) {
  double s = 0;
  for (int n : r.nfe) s += n;
  return s / static_cast<double>(r.nfe.size());
}

TEST(WorldModelShipped, MotionWarmStartAndEarlyExitCutCallsNotQuality) {
  const auto full = shipped_rollout(0, "motion", 0);
  const auto both = shipped_rollout(1, "motion", 0.05);
  const auto last = shipped_rollout(1, "last", 0);
  EXPECT_EQ(mean_nfe(full), 4.0);
  EXPECT_LE(mean_nfe(both), 0.7 * mean_nfe(full));
  EXPECT_GE(mean_tf_psnr(both), mean_tf_psnr(full) - 0.5);
  EXPECT_GT(mean_tf_psnr(full), 35.0);
  EXPECT_GE(mean_ar_psnr(both), mean_ar_psnr(full) - 0.5);
  EXPECT_LT(mean_ar_psnr(last), mean_ar_psnr(full) - 3.0);
}

TEST(Metrics, PsnrAndSsimAgainstClosedForms) {
  Image a = grey(16, 100), b = grey(16, 110);
  EXPECT_NEAR(world::psnr(a, b), 10 * std::log10(255.0 * 255.0 / 100.0), 1e-9);
  EXPECT_TRUE(std::isinf(world::psnr(a, a)));
  EXPECT_DOUBLE_EQ(world::ssim(a, a), 1.0);
  // Flat frames: only the luminance term is left, (2ab + C1) / (a^2 + b^2 + C1).
  const double c1 = (0.01 * 255) * (0.01 * 255);
  EXPECT_NEAR(world::ssim(a, b), (2 * 100.0 * 110 + c1) / (100.0 * 100 + 110.0 * 110 + c1), 1e-12);
  EXPECT_THROW(world::ssim(grey(8, 0), grey(8, 0)), Error);
  EXPECT_THROW(world::psnr(grey(8, 0), grey(9, 0)), Error);
}

TEST(Metrics, SsimMatchesScikitImage) {
  // Recorded with scikit-image 0.26: structural_similarity(a, b, gaussian_weights=True,
  // sigma=1.5, use_sample_covariance=False, data_range=255, channel_axis=-1) and
  // peak_signal_noise_ratio(a, b, data_range=255), for these two 20x24 RGB frames.
  Image a(20, 24, 3), b(20, 24, 3);
  for (int y = 0; y < 24; ++y)
    for (int x = 0; x < 20; ++x)
      for (int c = 0; c < 3; ++c) {
        a.row(y)[x * 3 + c] = static_cast<uint8_t>((x * 7 + y * 13 + c * 29) % 256);
        b.row(y)[x * 3 + c] = static_cast<uint8_t>((x * 7 + y * 13 + c * 29 + ((x * y + c) % 11) * 3) % 256);
      }
  EXPECT_NEAR(world::ssim(a, b), 0.5493313978573753, 1e-9);
  EXPECT_NEAR(world::psnr(a, b), 13.399576858884117, 1e-9);
}

}  // namespace
}  // namespace edgewm
