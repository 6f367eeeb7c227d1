// EDM noise levels and the sigma-space solvers on them.
#include <gtest/gtest.h>

#include <cmath>

#include "diffusion/edm.h"
#include "diffusion/sampler.h"
#include "edgewm/error.h"

namespace edgewm::diffusion {
namespace {

TEST(KarrasSigmas, MatchTheTrainingSideSchedule) {
  // train/world/model.py karras_sigmas (the PyTorch side the models are trained with).
  auto s = karras_sigmas(3, {0.002, 5.0, 7.0});
  const float want3[] = {5.0f, 0.28308171f, 0.002f, 0.0f};
  ASSERT_EQ(s.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(s[i], want3[i], 2e-6f * std::max(1.f, want3[i])) << i;
  s = karras_sigmas(5, {0.002, 80.0, 7.0});
  const float want5[] = {80.0f, 17.527830f, 2.5152194f, 0.16975267f, 0.002f, 0.0f};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(s[i], want5[i], 1e-5f * std::max(1.f, want5[i])) << i;
  EXPECT_EQ(karras_sigmas(1, {0.002, 5.0, 7.0}), (std::vector<float>{5.0f, 0.0f}));
}

TEST(KarrasSigmas, BadSchedulesAreErrors) {
  EXPECT_THROW(karras_sigmas(0, {}), Error);
  EXPECT_THROW(karras_sigmas(3, {0.5, 0.1, 7.0}), Error);
  EXPECT_THROW(karras_sigmas(3, {0.0, 1.0, 7.0}), Error);
}

// Data ~ N(mu, s^2) per element: the exact denoiser is D(x; sigma) = mu + s^2 / (s^2 + sigma^2)
// (x - mu) and the probability-flow ODE carries x(sigma) = mu + (x0 - mu) sqrt(s^2 + sigma^2) /
// sqrt(s^2 + sigma0^2): the oracle every EDM solver must converge to, at its order.
struct Gaussian {
  double mu = 0.3, s = 0.5;
  float denoise(float x, double sigma) const { return static_cast<float>(mu + s * s / (s * s + sigma * sigma) * (x - mu)); }
  double exact_end(double x0, double sigma0) const { return mu + (x0 - mu) * s / std::sqrt(s * s + sigma0 * sigma0); }
};

double solve_error(const std::string& name, int steps, const Gaussian& g) {
  auto sigmas = karras_sigmas(steps, {0.002, 20.0, 7.0});
  auto sampler = Sampler::create_edm(name, sigmas);
  std::vector<float> x = {-15.f, 2.f, 31.f}, out(3);
  const std::vector<float> start = x;
  for (size_t i = 0; i < sampler->evaluations(); ++i) {
    EXPECT_EQ(sampler->timesteps()[i], sampler->sigma(i)) << "EDM time input is sigma";
    for (size_t k = 0; k < x.size(); ++k) out[k] = g.denoise(x[k], sampler->sigma(i));
    sampler->step(i, out, x);
  }
  double err = 0;
  for (size_t k = 0; k < x.size(); ++k) err = std::max(err, std::abs(x[k] - g.exact_end(start[k], sigmas[0])));
  return err;
}

TEST(EdmSolvers, ConvergeAtTheirOrderOnAGaussian) {
  const Gaussian g;
  for (const std::string name : {"euler", "heun", "dpm++2m"}) {
    const double coarse = solve_error(name, 12, g), fine = solve_error(name, 48, g);
    const double order = std::log2(coarse / fine) / 2;  // 4x the steps
    EXPECT_LT(fine, name == "euler" ? 5e-2 : 5e-3) << name;
    if (name == "euler") EXPECT_NEAR(order, 1.0, 0.35) << name;
    else EXPECT_GT(order, 1.6) << name << " is second order";
  }
}

TEST(EdmSolvers, StructureAndRestart) {
  auto sigmas = karras_sigmas(4, {0.01, 2.0, 7.0});
  auto heun = Sampler::create_edm("heun", sigmas);
  EXPECT_EQ(heun->evaluations(), 7u);  // 2 per level, but 1 for the last (to sigma 0)
  EXPECT_EQ(heun->evaluation_at_level(2), 4u);
  EXPECT_EQ(heun->sigma(3), sigmas[2]);
  auto dpm = Sampler::create_edm("dpm++2m", sigmas);
  EXPECT_EQ(dpm->evaluations(), 4u);
  EXPECT_THROW(dpm->evaluation_at_level(4), Error);
  // Started at level 1 after restart(), DPM-Solver++ takes a first-order step (no history):
  // x' = (s1'/s1) x + (1 - s1'/s1) D.
  std::vector<float> x = {1.f}, d = {0.25f};
  dpm->step(0, d, x);
  dpm->restart();
  x = {1.f};
  dpm->step(1, d, x);
  const double r = sigmas[2] / sigmas[1];
  EXPECT_NEAR(x[0], r * 1.0 + (1 - r) * 0.25, 1e-6);
  // The last step lands on the prediction.
  auto euler = Sampler::create_edm("euler", sigmas);
  x = {0.7f};
  euler->step(3, d, x);
  EXPECT_EQ(x[0], 0.25f);
  std::vector<float> x0(1);
  euler->predict_x0(0, d, x, x0);
  EXPECT_EQ(x0[0], 0.25f);
}

TEST(EdmSolvers, BadLevelsAreErrors) {
  EXPECT_THROW(Sampler::create_edm("euler", {1.f, 0.5f}), Error);        // no final 0
  EXPECT_THROW(Sampler::create_edm("euler", {1.f, 1.f, 0.f}), Error);    // not decreasing
  EXPECT_THROW(Sampler::create_edm("heun", {NAN, 1.f, 0.f}), Error);
  EXPECT_THROW(Sampler::create_edm("ddim", {1.f, 0.f}), Error);
  EXPECT_THROW(Sampler::create_edm("euler", {0.f}), Error);
}

}  // namespace
}  // namespace edgewm::diffusion
