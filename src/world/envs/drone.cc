#include "world/envs/drone.h"

#include <algorithm>
#include <cmath>

#include "world/envs/canvas.h"

namespace edgewm::world {

namespace {
constexpr double kImpulse = 0.010, kDrag = 0.8, kMaxVy = 0.045, kSpeedStep = 0.004;
constexpr double kWallW = 0.10, kMoverSize = 0.09;
const Rgb kSkyTop{105, 165, 225}, kSkyBottom{190, 220, 245}, kGroundColor{110, 85, 55}, kStripe{80, 62, 40};
const Rgb kWall{45, 150, 70}, kWallCap{30, 110, 50}, kMover{215, 55, 55}, kBody{245, 200, 40}, kRotor{35, 35, 40};
}  // namespace

DroneEnv::DroneEnv(int width, int height)
    : Env(width, height), aspect_(static_cast<double>(width) / height) {
  reset(0);
}

const std::vector<std::string>& DroneEnv::action_names() const {
  static const std::vector<std::string> names{"none", "up", "down", "slow", "fast"};
  return names;
}

void DroneEnv::reset(uint64_t seed) {
  rng_ = Rng(seed);
  y_ = rng_.uniform(0.35, 0.55);
  vy_ = 0;
  speed_ = 0.02;
  ground_phase_ = rng_.uniform(0, 0.2);
  obstacles_.clear();
  // The first obstacle appears a little ahead of the drone so episodes start with something
  // to react to; then one every next_gap_.
  spawn(0.55 * aspect_ + rng_.uniform(0, 0.2));
}

void DroneEnv::spawn(double x) {
  Obstacle o;
  o.x = x;
  o.wall = rng_.chance(0.7);
  if (o.wall) {
    o.w = kWallW;
    o.gap_h = rng_.uniform(0.30, 0.40);
    o.gap_y = rng_.uniform(0.28, 0.62);
  } else {
    o.w = o.size = kMoverSize;
    o.y = rng_.uniform(0.15, 0.75);
    o.vy = rng_.uniform(0.008, 0.018) * (rng_.chance(0.5) ? 1 : -1);
  }
  obstacles_.push_back(o);
  ++spawned_;
  next_gap_ = rng_.uniform(0.35, 0.60);
}

bool DroneEnv::collides() const {
  const double x0 = drone_x() - kDroneHalfW, x1 = drone_x() + kDroneHalfW;
  const double y0 = y_ - kDroneHalfH, y1 = y_ + kDroneHalfH;
  if (y0 < 0 || y1 > kGround) return true;
  for (const auto& o : obstacles_) {
    if (o.x >= x1 || o.x + o.w <= x0) continue;
    if (o.wall) {
      if (y0 < o.gap_y - o.gap_h / 2 || y1 > o.gap_y + o.gap_h / 2) return true;
    } else if (y1 > o.y - o.size / 2 && y0 < o.y + o.size / 2) {
      return true;
    }
  }
  return false;
}

StepResult DroneEnv::step(int action) {
  check_action(action);
  if (action == kUp) vy_ -= kImpulse;
  if (action == kDown) vy_ += kImpulse;
  if (action == kSlow) speed_ = std::max(kMinSpeed, speed_ - kSpeedStep);
  if (action == kFast) speed_ = std::min(kMaxSpeed, speed_ + kSpeedStep);
  vy_ = std::clamp(vy_ * kDrag, -kMaxVy, kMaxVy);
  y_ += vy_;
  ground_phase_ = std::fmod(ground_phase_ + speed_, 0.2);
  for (auto& o : obstacles_) {
    o.x -= speed_;
    if (!o.wall) {
      o.y += o.vy;
      if (o.y - o.size / 2 < 0.05 || o.y + o.size / 2 > kGround - 0.03) {
        o.vy = -o.vy;
        o.y = std::clamp(o.y, 0.05 + o.size / 2, kGround - 0.03 - o.size / 2);
      }
    }
  }
  std::erase_if(obstacles_, [](const Obstacle& o) { return o.x + o.w < 0; });
  const double rightmost = obstacles_.empty() ? -1e9 : obstacles_.back().x + obstacles_.back().w;
  if (aspect_ - rightmost >= next_gap_) spawn(aspect_);
  if (collides()) {
    reset(rng_.next());
    return {true};
  }
  return {false};
}

void DroneEnv::render(Image& out) const {
  if (out.width != width_ || out.height != height_ || out.channels != 3) out = Image(width_, height_, 3);
  Canvas c(out);
  c.fill_vertical_gradient(kSkyTop, kSkyBottom);
  c.fill_rect(0, kGround, aspect_, 1, kGroundColor);
  // Ground stripes scroll with the obstacles: the speed is visible even in an empty stretch.
  for (double x = -ground_phase_; x < aspect_; x += 0.2) c.fill_rect(x, kGround + 0.02, x + 0.1, 1, kStripe);
  for (const auto& o : obstacles_) {
    if (o.wall) {
      const double top = o.gap_y - o.gap_h / 2, bottom = o.gap_y + o.gap_h / 2;
      c.fill_rect(o.x, 0, o.x + o.w, top, kWall);
      c.fill_rect(o.x, bottom, o.x + o.w, kGround, kWall);
      c.fill_rect(o.x - 0.01, top - 0.04, o.x + o.w + 0.01, top, kWallCap);
      c.fill_rect(o.x - 0.01, bottom, o.x + o.w + 0.01, bottom + 0.04, kWallCap);
    } else {
      c.fill_rect(o.x, o.y - o.size / 2, o.x + o.size, o.y + o.size / 2, kMover);
    }
  }
  const double dx = drone_x();
  c.fill_rect(dx - kDroneHalfW, y_ - kDroneHalfH + 0.012, dx + kDroneHalfW, y_ + kDroneHalfH, kBody);
  c.fill_rect(dx - kDroneHalfW - 0.01, y_ - kDroneHalfH, dx - 0.01, y_ - kDroneHalfH + 0.012, kRotor);
  c.fill_rect(dx + 0.01, y_ - kDroneHalfH, dx + kDroneHalfW + 0.01, y_ - kDroneHalfH + 0.012, kRotor);
}

int DroneEnv::scripted_action(Rng& rng) const {
  const double x0 = drone_x() - kDroneHalfW;
  double target = 0.45;
  for (const auto& o : obstacles_) {
    if (o.x + o.w <= x0) continue;  // already passed
    if (o.wall) {
      target = o.gap_y;
    } else {
      // Pass on the side with more room, where the mover will be when we reach it.
      const double t = std::max(0.0, (o.x - drone_x()) / speed_);
      const double y_then = std::clamp(o.y + o.vy * std::min(t, 10.0), 0.1, kGround - 0.1);
      target = y_then > 0.45 ? y_then - o.size / 2 - 0.12 : y_then + o.size / 2 + 0.12;
    }
    break;
  }
  target = std::clamp(target, 0.12, kGround - 0.12);
  const double predicted = y_ + 3 * vy_;
  if (predicted > target + 0.025) return kUp;
  if (predicted < target - 0.025) return kDown;
  // Vary the speed now and then: the model must see all actions.
  if (rng.chance(0.15)) return rng.chance(0.5) ? kSlow : kFast;
  return kNone;
}

}  // namespace edgewm::world
