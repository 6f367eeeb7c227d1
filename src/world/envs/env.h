#pragma once
// Simulators that produce the episodes world models learn from and are judged against.
// Deterministic: the same seed and the same actions give the same frames, bit for bit.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "edgewm/image.h"
#include "core/rng.h"

namespace edgewm::world {

struct StepResult {
  // The episode ended on this step (collision...) and the env started a new one: the frame
  // after this step does not follow from the history.
  bool reset = false;
};

class Env {
 public:
  virtual ~Env() = default;
  virtual std::string name() const = 0;
  // Discrete actions; action 0 is always "none".
  virtual const std::vector<std::string>& action_names() const = 0;
  int num_actions() const { return static_cast<int>(action_names().size()); }
  virtual void reset(uint64_t seed) = 0;
  // Throws kInvalidArgument for an action outside [0, num_actions()).
  virtual StepResult step(int action) = 0;
  // RGB frame of the current state, width() x height().
  virtual void render(Image& out) const = 0;
  // A competent scripted action for the current state (data with interesting trajectories).
  virtual int scripted_action(Rng& rng) const = 0;
  int width() const { return width_; }
  int height() const { return height_; }

 protected:
  Env(int width, int height);
  void check_action(int action) const;
  int width_, height_;
};

// "drone" or "bouncing"; sizes from 8 to 1024 pixels.
std::unique_ptr<Env> make_env(const std::string& name, int width, int height);
std::vector<std::string> env_names();

}  // namespace edgewm::world
