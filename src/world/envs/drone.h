#pragma once
// A drone flying through a scrolling field of obstacles: walls with gaps and obstacles that
// move up and down. Actions move the drone (up/down impulses with drag) and change the scroll
// speed (slow/fast); new obstacles appear at random spacing; a collision with an obstacle, the
// ceiling or the ground ends the episode and the env starts a new one.
#include "world/envs/env.h"

namespace edgewm::world {

class DroneEnv : public Env {
 public:
  enum Action { kNone = 0, kUp = 1, kDown = 2, kSlow = 3, kFast = 4 };
  struct Obstacle {
    bool wall = true;
    double x = 0, w = 0;          // left edge and width
    double gap_y = 0, gap_h = 0;  // wall: centre and height of the opening
    double y = 0, vy = 0, size = 0;  // mover: centre, vertical speed, side
  };
  // World units: the screen is 1 tall and aspect() wide; the ground starts at kGround.
  static constexpr double kGround = 0.9, kDroneHalfW = 0.05, kDroneHalfH = 0.028;
  static constexpr double kMinSpeed = 0.010, kMaxSpeed = 0.040;

  DroneEnv(int width, int height);
  std::string name() const override { return "drone"; }
  const std::vector<std::string>& action_names() const override;
  void reset(uint64_t seed) override;
  StepResult step(int action) override;
  void render(Image& out) const override;
  int scripted_action(Rng& rng) const override;

  // State, for tests and evaluation.
  double drone_x() const { return 0.25 * aspect_; }
  double drone_y() const { return y_; }
  double speed() const { return speed_; }
  const std::vector<Obstacle>& obstacles() const { return obstacles_; }
  int64_t obstacles_spawned() const { return spawned_; }

 private:
  void spawn(double x);
  bool collides() const;
  double aspect_;
  Rng rng_;
  double y_ = 0.45, vy_ = 0, speed_ = 0.02, ground_phase_ = 0, next_gap_ = 0;
  std::vector<Obstacle> obstacles_;
  int64_t spawned_ = 0;
};

}  // namespace edgewm::world
