#pragma once
// A world model on the device: give it the last K frames, then step(action) dreams the next
// frame, which joins the history. The denoiser is a compiled .ewm model with inputs
// (noisy_frame, sigma, past_frames, action) that predicts the clean frame (EDM
// preconditioning inside); its metadata gives K, the noise schedule and the default steps.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "edgewm/image.h"
#include "edgewm/model.h"

namespace edgewm {

struct WorldModelOptions {
  int steps = 0;       // denoising steps per frame; 0: the model's `diffusion.steps`
  uint64_t seed = 0;   // sampler noise: the same seed, history and actions give the same frames
  int threads = 0;     // 0: one per physical core
  // Adaptive sampling. Early exit: stop once the predicted clean frame changes by less than
  // this (relative L2) between two denoiser calls, and return it; 0: off.
  double early_exit_tol = 0;
  // Warm start (SDEdit-style): begin at noise level N of the schedule (of `steps`) from a
  // forecast of the next frame noised to that level, instead of from pure noise; 0: off.
  int warm_start_step = 0;
  // The forecast: "motion", the newest frame moved by the global motion between the two
  // newest (scrolling scenes, ego-motion); "last", the newest frame as it is.
  std::string warm_start_from = "motion";
  // Deadline per frame: before each denoiser call after the first, predict its cost from the
  // measured ones and return the current estimate rather than miss the budget; 0: off.
  double budget_ms = 0;
  // Compute the conditioning path (noise-level and action embeddings) once per (sigma,
  // action) and replay it (Session memoize_inputs); false: every call computes it.
  bool memoize_conditioning = true;
  // ODE solver: euler | heun | dpm++2m; empty: the model's `diffusion.sampler`, else euler.
  std::string sampler;
};

// Where a frame's time went (milliseconds), the split edge engineers budget with.
struct StepTiming {
  double pre_ms = 0;      // frames -> tensors (history ring into the model's layout)
  double compute_ms = 0;  // denoiser evaluations + sampler updates
  double post_ms = 0;     // tensor -> 8-bit frame
  int nfe = 0;            // denoiser evaluations
  enum class Exit { kFull, kConverged, kDeadline } exit = Exit::kFull;
  double total_ms() const { return pre_ms + compute_ms + post_ms; }
};

class WorldModel {
 public:
  // Throws kInvalidArgument when the model is not a world-model denoiser (inputs, metadata).
  explicit WorldModel(std::shared_ptr<const Model> model, const WorldModelOptions& options = {});
  ~WorldModel();
  WorldModel(const WorldModel&) = delete;
  WorldModel& operator=(const WorldModel&) = delete;

  int context_frames() const;
  int frame_width() const;
  int frame_height() const;
  const std::vector<std::string>& action_names() const;
  int steps() const;

  // Starts a new dream from the K most recent real frames, oldest first (resized if needed).
  // Also resets the noise to the seed.
  void reset(std::span<const Image> history);
  // The frame after `action`; it becomes the newest history frame. Valid until the next call.
  const Image& step(int action);
  // Replaces the history's newest frame by an observed one (e.g. to re-anchor on a camera
  // frame): the next step conditions on it.
  void observe(const Image& frame);
  const StepTiming& last_timing() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgewm
