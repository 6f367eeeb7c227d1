#pragma once
// Who presses the buttons while recording episodes.
#include <string>

#include "world/envs/env.h"

namespace edgewm::world {

// "random": sticky uniform actions (repeat the previous one with probability 0.75, as Atari
// sticky actions do: long presses, not jitter). "scripted": the env's competent controller.
class Policy {
 public:
  Policy(const std::string& name, uint64_t seed);  // throws on an unknown name
  int act(const Env& env);
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  Rng rng_;
  int previous_ = 0;
};

}  // namespace edgewm::world
