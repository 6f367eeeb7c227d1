// EDM noise levels and the Euler step.
#include <gtest/gtest.h>

#include <cmath>

#include "diffusion/edm.h"
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

TEST(EulerStep, IsExactForAPointMassAtZero) {
  // Data = {0}: the ODE solution is x(sigma) = x(sigma0) * sigma / sigma0, which Euler
  // follows exactly (the derivative x / sigma is constant along it).
  std::vector<float> x = {2.f, -1.f, 0.5f}, zero(3, 0.f);
  auto sigmas = karras_sigmas(4, {0.01, 2.0, 7.0});
  for (size_t i = 0; i + 1 < sigmas.size(); ++i) {
    const std::vector<float> before = x;
    euler_step(x, zero, sigmas[i], sigmas[i + 1]);
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(x[k], before[k] * sigmas[i + 1] / sigmas[i], 1e-6f);
  }
  EXPECT_EQ(x, zero);
  std::vector<float> d = {0.25f, 0.5f, 0.75f};
  euler_step(x, d, 0.3f, 0.f);  // the last step lands on the prediction
  EXPECT_EQ(x, d);
}

}  // namespace
}  // namespace edgewm::diffusion
