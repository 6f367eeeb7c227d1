#pragma once
// Action-free video: coloured balls bouncing off the walls. For video prediction without
// actions (the one action is "none").
#include "world/envs/env.h"

namespace edgewm::world {

class BouncingEnv : public Env {
 public:
  struct Ball {
    double x, y, vx, vy, r;
    int color;
  };
  BouncingEnv(int width, int height);
  std::string name() const override { return "bouncing"; }
  const std::vector<std::string>& action_names() const override;
  void reset(uint64_t seed) override;
  StepResult step(int action) override;
  void render(Image& out) const override;
  int scripted_action(Rng&) const override { return 0; }
  const std::vector<Ball>& balls() const { return balls_; }

 private:
  double aspect_;
  std::vector<Ball> balls_;
};

}  // namespace edgewm::world
