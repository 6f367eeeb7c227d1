#pragma once
// Episodes recorded from a simulator, in the arrays the training side reads (.npy):
//   frames  u8 [N, T, H, W, 3]  frame t of episode n
//   actions i64 [N, T]          action taken after seeing frame t (it leads to frame t+1)
//   resets  u8 [N, T]           1 where frame t starts a new episode (t = 0, and after a crash)
#include <cstdint>
#include <string>
#include <vector>

#include "edgewm/tensor.h"

namespace edgewm::world {

struct DatasetSpec {
  std::string env = "drone";
  int width = 64, height = 64;
  int episodes = 16, steps = 100;
  std::string policy = "scripted";
  uint64_t seed = 1;
};

struct Dataset {
  Tensor frames, actions, resets;
  std::vector<uint64_t> episode_seeds;  // what reset() got for each episode
  std::vector<std::string> action_names;
};

Dataset record_dataset(const DatasetSpec& spec);

}  // namespace edgewm::world
