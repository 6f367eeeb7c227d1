#pragma once
// How faithfully a world model predicts its simulator, on held-out seeds: per horizon step,
// teacher-forced (1 step ahead from the true history) and autoregressive (from its own
// dreams), next to the "repeat the last frame" baseline.
#include <cstdint>
#include <string>
#include <vector>

#include "edgewm/world.h"

namespace edgewm::world {

struct RolloutSpec {
  std::string env = "drone";
  std::string policy = "scripted";
  int episodes = 8;
  int horizon = 16;
  // Held-out by default: training data is recorded from small base seeds (1, 2...).
  uint64_t seed = 1000003;
  int burn_in = 12;  // policy steps after reset before the context starts: varied layouts
};

struct HorizonStats {
  double tf_psnr = 0, tf_ssim = 0;          // teacher-forced prediction of frame t+h
  double tf_repeat_psnr = 0;                // baseline: frame t+h-1 for t+h
  double ar_psnr = 0, ar_ssim = 0;          // autoregressive prediction of frame t+h
  double repeat_psnr = 0, repeat_ssim = 0;  // baseline: the last context frame for t+h
};

struct RolloutReport {
  std::vector<HorizonStats> steps;  // index h-1, means over episodes
  int episodes = 0;                 // evaluated
  int skipped = 0;                  // windows that crossed an episode reset (crash), redrawn
  std::vector<double> frame_ms, pre_ms, compute_ms, post_ms;  // per autoregressive frame
  int nfe_per_frame = 0;            // the full schedule's
  std::vector<int> nfe;             // per autoregressive frame (adaptive sampling uses fewer)
  int early_exits = 0, deadline_exits = 0;
  // First episode, for people: the context, then truth and dream per horizon step.
  std::vector<Image> context, truth, dream;
};

RolloutReport evaluate_rollouts(WorldModel& model, const RolloutSpec& spec);

}  // namespace edgewm::world
