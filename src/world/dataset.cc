#include "world/dataset.h"

#include <cstring>

#include "world/envs/env.h"
#include "world/policy.h"

namespace edgewm::world {

Dataset record_dataset(const DatasetSpec& s) {
  if (s.episodes <= 0 || s.steps <= 0 || s.width <= 0 || s.height <= 0)
    throw Error(ErrorKind::kInvalidArgument, "dataset needs episodes, steps, width and height > 0");
  const int64_t n = s.episodes, t = s.steps, frame_bytes = static_cast<int64_t>(s.width) * s.height * 3;
  // Checked before anything is made: episodes x steps x frame can wrap 64 bits.
  const int64_t total = Shape{n, t, s.height, s.width, 3}.checked_numel();
  if (total < 0 || total > (int64_t{8} << 30))
    throw Error(ErrorKind::kInvalidArgument,
                "dataset of " + std::to_string(n) + " episodes x " + std::to_string(t) + " steps x " +
                    std::to_string(s.width) + "x" + std::to_string(s.height) + " frames is over the 8 GiB limit; record it in parts");
  auto env = make_env(s.env, s.width, s.height);
  Policy policy(s.policy, 0);
  Dataset d;
  d.frames = Tensor(DType::kU8, Shape{n, t, s.height, s.width, 3});
  d.actions = Tensor(DType::kI64, Shape{n, t});
  d.resets = Tensor(DType::kU8, Shape{n, t});
  d.action_names = env->action_names();
  Image frame;
  for (int64_t e = 0; e < n; ++e) {
    const uint64_t seed = episode_seed(s.seed, static_cast<uint64_t>(e));
    d.episode_seeds.push_back(seed);
    env->reset(seed);
    policy = Policy(s.policy, seed ^ 0x5eed);
    bool reset = true;
    for (int64_t i = 0; i < t; ++i) {
      env->render(frame);
      std::memcpy(d.frames.as<uint8_t>() + (e * t + i) * frame_bytes, frame.pixels.data(), frame_bytes);
      d.resets.as<uint8_t>()[e * t + i] = reset ? 1 : 0;
      const int a = policy.act(*env);
      d.actions.as<int64_t>()[e * t + i] = a;
      reset = env->step(a).reset;
    }
  }
  return d;
}

}  // namespace edgewm::world
