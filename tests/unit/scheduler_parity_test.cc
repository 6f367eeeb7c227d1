// Every sampler against diffusers: the same initial sample, model outputs and noise must give
// the same timesteps, model inputs and trajectory (tests/fixtures/schedulers.json, recorded by
// train/fixtures/schedulers.py with diffusers' DDPM, DDIM, EulerDiscrete, HeunDiscrete and
// DPMSolverMultistep schedulers).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "diffusion/sampler.h"
#include "edgewm/error.h"

namespace edgewm::diffusion {
namespace {

nlohmann::json load_fixture() {
  std::ifstream f(std::string(EDGEWM_SOURCE_DIR) + "/tests/fixtures/schedulers.json");
  EXPECT_TRUE(f.good());
  return nlohmann::json::parse(f);
}

BetaSchedule schedule_of(const nlohmann::json& c, bool clip_default) {
  BetaSchedule s;
  s.num_train_timesteps = c.value("num_train_timesteps", 1000);
  s.kind = c.value("beta_schedule", std::string("linear"));
  s.beta_start = c.value("beta_start", 1e-4);
  s.beta_end = c.value("beta_end", 0.02);
  s.prediction = prediction_from_name(c.value("prediction_type", std::string("epsilon")));
  s.clip_sample = c.value("clip_sample", clip_default);
  return s;
}

// Within 1e-5 (relative above 1), plus what float32 rounding of the step's input costs:
// diffusers computes in float32, we in double, and an Euler step on a sample of magnitude
// 150 (sigma_max = 157) loses ~1e-5 to rounding on its side.
void expect_close(const std::vector<float>& got, const std::vector<float>& want, const std::vector<float>& input,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  float scale = 0;
  for (float v : input) scale = std::max(scale, std::abs(v));
  for (size_t k = 0; k < got.size(); ++k)
    ASSERT_NEAR(got[k], want[k], 1e-5f * std::max(1.f, std::abs(want[k])) + 2e-7f * scale) << what << " elem " << k;
}

TEST(SchedulerParity, MatchesDiffusersStepByStep) {
  const auto fixture = load_fixture();
  const std::map<std::string, std::string> kinds = {{"DDPMScheduler", "ddpm"},
                                                    {"DDIMScheduler", "ddim"},
                                                    {"EulerDiscreteScheduler", "euler"},
                                                    {"HeunDiscreteScheduler", "heun"},
                                                    {"DPMSolverMultistepScheduler", "dpm++2m"}};
  std::map<std::string, int> covered;
  for (const auto& c : fixture["cases"]) {
    const std::string name = c["name"], kind = kinds.at(c["scheduler"]);
    const auto& cfg = c["config"];
    SamplerOptions o;
    o.eta = c["eta"].is_null() ? 0.0 : c["eta"].get<double>();
    o.karras = cfg.value("use_karras_sigmas", false);
    o.spacing = cfg.value("timestep_spacing", std::string());
    // diffusers' defaults differ: DDPM/DDIM clip x0, Heun does not.
    auto sampler = Sampler::create(kind, schedule_of(cfg, kind == "ddpm" || kind == "ddim"), c["steps"], o);
    ++covered[kind];
    const std::vector<double> want_t = c["timesteps"];
    ASSERT_EQ(sampler->timesteps().size(), want_t.size()) << name;
    for (size_t i = 0; i < want_t.size(); ++i)
      ASSERT_NEAR(sampler->timesteps()[i], want_t[i], 1e-3) << name << " timestep " << i;
    EXPECT_NEAR(sampler->init_noise_sigma(), c["init_noise_sigma"].get<double>(),
                1e-5 * std::max(1.0, c["init_noise_sigma"].get<double>()))
        << name;
    std::vector<float> x = c["x_T"];
    size_t i = 0;
    for (const auto& st : c["trajectory"]) {
      const std::string at = name + " evaluation " + std::to_string(i);
      const std::vector<float> in = st["model_input"], out = st["model_output"], noise = st["noise"];
      std::vector<float> scaled(x.size());
      for (size_t k = 0; k < x.size(); ++k) scaled[k] = static_cast<float>(x[k] * sampler->input_scale(i));
      expect_close(scaled, in, x, at + " model input");
      const std::vector<float> before = x;
      sampler->step(i, out, x, sampler->needs_noise(i) ? std::span<const float>(noise) : std::span<const float>());
      const std::vector<float> want = st["sample"];
      expect_close(x, want, before, at);
      x = want;  // each step from diffusers' own sample: same inputs, same output (no drift)
      ++i;
    }
  }
  for (const auto& k : Sampler::names()) EXPECT_GE(covered[k], 2) << k << " needs parity cases";
}

TEST(SchedulerParity, BadConfigurationsAreErrors) {
  BetaSchedule s;
  EXPECT_THROW(Sampler::create("ddpm", s, 0), Error);
  EXPECT_THROW(Sampler::create("ddpm", s, 1001), Error);
  EXPECT_THROW(Sampler::create("plms", s, 10), Error);
  EXPECT_THROW(Sampler::create("ddim-karras", s, 10), Error);
  SamplerOptions o;
  o.eta = 1.5;
  EXPECT_THROW(Sampler::create("ddim", s, 10, o), Error);
  o = {};
  o.spacing = "uniform";
  EXPECT_THROW(Sampler::create("euler", s, 10, o), Error);
  EXPECT_THROW(Sampler::create("dpm++2m", s, 1000), Error);
  s.kind = "sigmoid";
  EXPECT_THROW(Sampler::create("ddim", s, 10), Error);
  EXPECT_THROW(Sampler::create("heun", s, 10), Error);
  EXPECT_THROW(prediction_from_name("noise"), Error);
  auto ddpm = Sampler::create("ddpm", BetaSchedule{}, 4);
  std::vector<float> x(8), out(8), noise(3);
  EXPECT_THROW(ddpm->step(0, out, x, noise), Error);  // noise of the wrong size
  auto heun = Sampler::create("heun", BetaSchedule{}, 4);
  EXPECT_EQ(heun->evaluations(), 7u);
  EXPECT_THROW(heun->step(1, out, x), Error);  // a corrector without its predictor
  EXPECT_THROW(heun->step(7, out, x), Error);
  EXPECT_EQ(Sampler::create("dpmpp_2m-karras", BetaSchedule{}, 5)->name(), "dpm++2m-karras");
}

}  // namespace
}  // namespace edgewm::diffusion
