#include "world/envs/env.h"

#include "edgewm/error.h"
#include "world/envs/bouncing.h"
#include "world/envs/drone.h"

namespace edgewm::world {

Env::Env(int width, int height) : width_(width), height_(height) {
  if (width < 8 || height < 8 || width > 1024 || height > 1024)
    throw Error(ErrorKind::kInvalidArgument,
                "env frame size " + std::to_string(width) + "x" + std::to_string(height) + " is outside 8..1024");
}

void Env::check_action(int action) const {
  if (action < 0 || action >= num_actions())
    throw Error(ErrorKind::kInvalidArgument, name() + ": action " + std::to_string(action) + " is outside 0.." +
                                                 std::to_string(num_actions() - 1));
}

std::vector<std::string> env_names() { return {"drone", "bouncing"}; }

std::unique_ptr<Env> make_env(const std::string& name, int width, int height) {
  if (name == "drone") return std::make_unique<DroneEnv>(width, height);
  if (name == "bouncing") return std::make_unique<BouncingEnv>(width, height);
  throw Error(ErrorKind::kInvalidArgument, "unknown env '" + name + "' (known: drone, bouncing)");
}

}  // namespace edgewm::world
