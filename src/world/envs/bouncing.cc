#include "world/envs/bouncing.h"

#include <cmath>

#include "world/envs/canvas.h"

namespace edgewm::world {

namespace {
const Rgb kBackground{18, 20, 32};
const Rgb kColors[] = {{230, 80, 70}, {80, 200, 120}, {90, 140, 240}, {240, 210, 80}};
}  // namespace

BouncingEnv::BouncingEnv(int width, int height) : Env(width, height), aspect_(static_cast<double>(width) / height) {
  reset(0);
}

const std::vector<std::string>& BouncingEnv::action_names() const {
  static const std::vector<std::string> names{"none"};
  return names;
}

void BouncingEnv::reset(uint64_t seed) {
  Rng rng(seed);
  balls_.clear();
  const int n = 2 + rng.below(2);
  for (int i = 0; i < n; ++i) {
    Ball b;
    b.r = rng.uniform(0.07, 0.12);
    b.x = rng.uniform(b.r, aspect_ - b.r);
    b.y = rng.uniform(b.r, 1 - b.r);
    const double angle = rng.uniform(0, 2 * M_PI), v = rng.uniform(0.02, 0.045);
    b.vx = v * std::cos(angle);
    b.vy = v * std::sin(angle);
    b.color = i;
    balls_.push_back(b);
  }
}

StepResult BouncingEnv::step(int action) {
  check_action(action);
  for (auto& b : balls_) {
    b.x += b.vx;
    b.y += b.vy;
    // Reflect about the wall the ball crossed: position and velocity both mirror.
    if (b.x < b.r) b.x = 2 * b.r - b.x, b.vx = -b.vx;
    if (b.x > aspect_ - b.r) b.x = 2 * (aspect_ - b.r) - b.x, b.vx = -b.vx;
    if (b.y < b.r) b.y = 2 * b.r - b.y, b.vy = -b.vy;
    if (b.y > 1 - b.r) b.y = 2 * (1 - b.r) - b.y, b.vy = -b.vy;
  }
  return {false};
}

void BouncingEnv::render(Image& out) const {
  if (out.width != width_ || out.height != height_ || out.channels != 3) out = Image(width_, height_, 3);
  Canvas c(out);
  c.fill_vertical_gradient(kBackground, kBackground);
  for (const auto& b : balls_) c.fill_disc(b.x, b.y, b.r, kColors[b.color % 4]);
}

}  // namespace edgewm::world
