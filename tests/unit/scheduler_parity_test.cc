// DDPM and DDIM against diffusers: the same initial sample, model outputs and noise must give
// the same trajectory (tests/fixtures/schedulers.json, recorded by train/fixtures/schedulers.py).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "diffusion/discrete.h"
#include "edgewm/error.h"

namespace edgewm::diffusion {
namespace {

nlohmann::json load_fixture() {
  std::ifstream f(std::string(EDGEWM_SOURCE_DIR) + "/tests/fixtures/schedulers.json");
  EXPECT_TRUE(f.good());
  return nlohmann::json::parse(f);
}

BetaSchedule schedule_of(const nlohmann::json& c) {
  BetaSchedule s;
  s.num_train_timesteps = c.value("num_train_timesteps", 1000);
  s.kind = c.value("beta_schedule", std::string("linear"));
  s.beta_start = c.value("beta_start", 1e-4);
  s.beta_end = c.value("beta_end", 0.02);
  s.prediction = prediction_from_name(c.value("prediction_type", std::string("epsilon")));
  s.clip_sample = c.value("clip_sample", true);
  return s;
}

TEST(SchedulerParity, MatchesDiffusersStepByStep) {
  const auto fixture = load_fixture();
  ASSERT_GE(fixture["cases"].size(), 6u);
  for (const auto& c : fixture["cases"]) {
    const std::string name = c["name"];
    const std::string kind = c["scheduler"] == "DDPMScheduler" ? "ddpm" : "ddim";
    auto sampler = DiscreteSampler::create(kind, schedule_of(c["config"]), c["steps"],
                                           c["eta"].is_null() ? 0.0 : c["eta"].get<double>());
    std::vector<int64_t> want_t;
    for (const auto& t : c["timesteps"]) want_t.push_back(t);
    ASSERT_EQ(sampler->timesteps(), want_t) << name;
    std::vector<float> x = c["x_T"];
    size_t i = 0;
    for (const auto& st : c["trajectory"]) {
      const std::vector<float> out = st["model_output"], noise = st["noise"], want = st["sample"];
      sampler->step(i, out, x, sampler->needs_noise(i) ? std::span<const float>(noise) : std::span<const float>());
      for (size_t k = 0; k < x.size(); ++k)
        ASSERT_NEAR(x[k], want[k], 1e-5f * std::max(1.f, std::abs(want[k]))) << name << " step " << i << " elem " << k;
      ++i;
    }
  }
}

TEST(SchedulerParity, BadConfigurationsAreErrors) {
  BetaSchedule s;
  EXPECT_THROW(DiscreteSampler::create("ddpm", s, 0), Error);
  EXPECT_THROW(DiscreteSampler::create("ddpm", s, 1001), Error);
  EXPECT_THROW(DiscreteSampler::create("plms", s, 10), Error);
  EXPECT_THROW(DiscreteSampler::create("ddim", s, 10, 1.5), Error);
  s.kind = "sigmoid";
  EXPECT_THROW(DiscreteSampler::create("ddim", s, 10), Error);
  EXPECT_THROW(prediction_from_name("noise"), Error);
  auto ddpm = DiscreteSampler::create("ddpm", BetaSchedule{}, 4);
  std::vector<float> x(8), out(8), noise(3);
  EXPECT_THROW(ddpm->step(0, out, x, noise), Error);  // noise of the wrong size
}

}  // namespace
}  // namespace edgewm::diffusion
