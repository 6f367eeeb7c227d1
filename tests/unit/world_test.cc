// Simulators: determinism, dynamics a world model has to learn, and the recorded dataset.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <unistd.h>

#include "io/npy.h"
#include "world/dataset.h"
#include "world/envs/bouncing.h"
#include "world/envs/drone.h"
#include "world/policy.h"

namespace edgewm::world {
namespace {

std::vector<int> fixed_actions(int n, int num_actions, uint64_t seed) {
  Rng r(seed);
  std::vector<int> a(n);
  for (auto& x : a) x = r.below(num_actions);
  return a;
}

TEST(DroneEnv, SameSeedSameActionsSameFrames) {
  DroneEnv a(64, 64), b(64, 64);
  a.reset(42);
  b.reset(42);
  Image fa, fb;
  for (int act : fixed_actions(400, 5, 7)) {
    a.render(fa);
    b.render(fb);
    ASSERT_EQ(fa.pixels, fb.pixels);
    ASSERT_EQ(a.step(act).reset, b.step(act).reset);
  }
  DroneEnv c(64, 64);
  c.reset(43);
  c.render(fb);
  a.reset(42);
  a.render(fa);
  EXPECT_NE(fa.pixels, fb.pixels) << "different seeds, same layout";
}

// Centre of mass of the drone's yellow body in the frame, in pixels.
double drone_row(const Image& img) {
  double sum = 0, count = 0;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) {
      const uint8_t* p = img.row(y) + x * 3;
      if (p[0] > 200 && p[1] > 150 && p[2] < 120) sum += y, count += 1;
    }
  return count ? sum / count : -1;
}

TEST(DroneEnv, UpAndDownMoveTheDroneInStateAndPixels) {
  for (auto [action, sign] : {std::pair{DroneEnv::kUp, -1}, std::pair{DroneEnv::kDown, +1}}) {
    DroneEnv env(64, 64);
    env.reset(5);
    Image before, after;
    env.render(before);
    const double y0 = env.drone_y();
    for (int i = 0; i < 4; ++i) ASSERT_FALSE(env.step(action).reset);
    env.render(after);
    EXPECT_GT(sign * (env.drone_y() - y0), 0.03);
    EXPECT_GT(sign * (drone_row(after) - drone_row(before)), 1.5) << "pixels";
  }
  DroneEnv still(64, 64);
  still.reset(5);
  const double y0 = still.drone_y();
  for (int i = 0; i < 4; ++i) still.step(DroneEnv::kNone);
  EXPECT_NEAR(still.drone_y(), y0, 1e-12) << "no action, no drift";
}

TEST(DroneEnv, ObstaclesScrollAtTheSpeedTheActionsSet) {
  DroneEnv env(64, 64);
  env.reset(9);
  const double x0 = env.obstacles().front().x, v0 = env.speed();
  env.step(DroneEnv::kNone);
  EXPECT_NEAR(env.obstacles().front().x, x0 - v0, 1e-12);
  env.step(DroneEnv::kFast);
  EXPECT_GT(env.speed(), v0);
  for (int i = 0; i < 20; ++i) env.step(DroneEnv::kSlow);
  EXPECT_DOUBLE_EQ(env.speed(), DroneEnv::kMinSpeed);
  for (int i = 0; i < 20; ++i) env.step(DroneEnv::kFast);
  EXPECT_DOUBLE_EQ(env.speed(), DroneEnv::kMaxSpeed);
}

TEST(DroneEnv, NewObstaclesAppearAtRandom) {
  DroneEnv env(64, 64);
  env.reset(11);
  Policy p("scripted", 1);
  std::vector<double> gaps;
  int64_t before = env.obstacles_spawned();
  int walls = 0, movers = 0;
  for (int i = 0; i < 600; ++i) {
    int64_t n = env.obstacles_spawned();
    env.step(p.act(env));
    if (env.obstacles_spawned() > n && !env.obstacles().empty()) {
      const auto& o = env.obstacles().back();
      (o.wall ? walls : movers)++;
      if (o.wall) gaps.push_back(o.gap_y);
    }
  }
  EXPECT_GT(env.obstacles_spawned() - before, 10);
  EXPECT_GT(walls, 3);
  EXPECT_GT(movers, 0);
  ASSERT_GE(gaps.size(), 2u);
  EXPECT_NE(gaps[0], gaps[1]);
}

TEST(DroneEnv, CrashingIntoTheCeilingResets) {
  DroneEnv env(64, 64);
  env.reset(3);
  int steps = 0;
  while (!env.step(DroneEnv::kUp).reset) ASSERT_LT(++steps, 40) << "never hit the ceiling";
  EXPECT_GE(env.drone_y(), 0.35);  // a fresh episode
  EXPECT_LE(env.drone_y(), 0.55);
}

TEST(DroneEnv, ScriptedPolicyFliesBetterThanRandom) {
  auto crashes = [](const std::string& policy) {
    int n = 0;
    for (uint64_t s = 0; s < 4; ++s) {
      DroneEnv env(32, 32);
      env.reset(s);
      Policy p(policy, s);
      for (int i = 0; i < 400; ++i) n += env.step(p.act(env)).reset;
    }
    return n;
  };
  const int scripted = crashes("scripted"), random = crashes("random");
  EXPECT_LT(scripted * 3, random) << "scripted " << scripted << " random " << random;
}

TEST(DroneEnv, BadArgumentsAreErrors) {
  DroneEnv env(32, 32);
  EXPECT_THROW(env.step(5), Error);
  EXPECT_THROW(env.step(-1), Error);
  EXPECT_THROW(DroneEnv(4, 32), Error);
  EXPECT_THROW(make_env("pong", 32, 32), Error);
  EXPECT_THROW(Policy("greedy", 0), Error);
}

TEST(BouncingEnv, BallsStayInsideAndKeepTheirSpeed) {
  BouncingEnv env(48, 32);
  env.reset(8);
  const double aspect = 48.0 / 32.0;
  std::vector<double> speed;
  for (const auto& b : env.balls()) speed.push_back(std::hypot(b.vx, b.vy));
  BouncingEnv twin(48, 32);
  twin.reset(8);
  Image a, b;
  for (int i = 0; i < 500; ++i) {
    EXPECT_FALSE(env.step(0).reset);
    twin.step(0);
    for (size_t k = 0; k < env.balls().size(); ++k) {
      const auto& ball = env.balls()[k];
      ASSERT_GE(ball.x, ball.r - 1e-9);
      ASSERT_LE(ball.x, aspect - ball.r + 1e-9);
      ASSERT_GE(ball.y, ball.r - 1e-9);
      ASSERT_LE(ball.y, 1 - ball.r + 1e-9);
      ASSERT_NEAR(std::hypot(ball.vx, ball.vy), speed[k], 1e-12);
    }
  }
  env.render(a);
  twin.render(b);
  EXPECT_EQ(a.pixels, b.pixels);
  EXPECT_EQ(env.num_actions(), 1);
  EXPECT_THROW(env.step(1), Error);
}

TEST(Dataset, RecordsWhatReplayingTheActionsGives) {
  DatasetSpec spec;
  spec.width = spec.height = 24;
  spec.episodes = 3;
  spec.steps = 60;
  spec.policy = "random";
  spec.seed = 77;
  Dataset d = record_dataset(spec);
  ASSERT_EQ(d.frames.shape(), (Shape{3, 60, 24, 24, 3}));
  ASSERT_EQ(d.actions.shape(), (Shape{3, 60}));
  ASSERT_EQ(d.resets.shape(), (Shape{3, 60}));
  int64_t crashes = 0;
  for (int e = 0; e < 3; ++e) {
    EXPECT_EQ(d.resets.as<uint8_t>()[e * 60], 1);
    DroneEnv env(24, 24);
    env.reset(d.episode_seeds[e]);
    Image f;
    for (int t = 0; t < 60; ++t) {
      env.render(f);
      ASSERT_EQ(0, std::memcmp(f.pixels.data(), d.frames.as<uint8_t>() + (e * 60 + t) * 24 * 24 * 3, f.pixels.size()))
          << "episode " << e << " frame " << t;
      const int64_t a = d.actions.as<int64_t>()[e * 60 + t];
      ASSERT_GE(a, 0);
      ASSERT_LT(a, 5);
      const bool reset = env.step(static_cast<int>(a)).reset;
      if (t + 1 < 60) {
        ASSERT_EQ(d.resets.as<uint8_t>()[e * 60 + t + 1], reset ? 1 : 0);
        crashes += reset;
      }
    }
  }
  EXPECT_GT(crashes, 0) << "random flying should crash now and then";
  EXPECT_NE(d.episode_seeds[0], d.episode_seeds[1]);

  // Seeds of different runs do not collide (training vs held-out).
  spec.seed = 78;
  Dataset other = record_dataset(spec);
  for (auto s : other.episode_seeds)
    EXPECT_EQ(std::count(d.episode_seeds.begin(), d.episode_seeds.end(), s), 0);

  auto path = std::filesystem::temp_directory_path() / ("edgewm_frames_" + std::to_string(::getpid()) + ".npy");
  save_npy(d.frames.view(), path.string());
  Tensor back = load_npy(path.string());
  std::filesystem::remove(path);
  ASSERT_EQ(back.shape(), d.frames.shape());
  EXPECT_EQ(0, std::memcmp(back.data(), d.frames.data(), d.frames.nbytes()));
}

}  // namespace
}  // namespace edgewm::world
