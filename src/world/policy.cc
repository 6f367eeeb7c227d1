#include "world/policy.h"

#include "edgewm/error.h"

namespace edgewm::world {

Policy::Policy(const std::string& name, uint64_t seed) : name_(name), rng_(seed) {
  if (name != "random" && name != "scripted")
    throw Error(ErrorKind::kInvalidArgument, "unknown policy '" + name + "' (known: random, scripted)");
}

int Policy::act(const Env& env) {
  if (name_ == "scripted") return previous_ = env.scripted_action(rng_);
  if (!rng_.chance(0.75)) previous_ = rng_.below(env.num_actions());
  return previous_;
}

}  // namespace edgewm::world
