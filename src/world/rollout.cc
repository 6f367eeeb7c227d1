#include "world/rollout.h"

#include <cmath>

#include "world/envs/env.h"
#include "world/metrics.h"
#include "world/policy.h"

namespace edgewm::world {

namespace {

// PSNR of identical frames is infinite; cap it so means stay finite (99 dB is far above any
// 8-bit difference).
double capped_psnr(const Image& a, const Image& b) { return std::min(99.0, psnr(a, b)); }

struct Episode {
  std::vector<Image> frames;  // K context frames, then H targets
  std::vector<int> actions;   // actions[i]: taken after frames[i]
};

// Records K + H frames without a reset inside, or returns false.
bool record(Env& env, Policy& policy, int k, int h, int burn_in, Episode& ep) {
  for (int i = 0; i < burn_in; ++i)
    if (env.step(policy.act(env)).reset) return false;
  ep.frames.assign(static_cast<size_t>(k + h), Image());
  ep.actions.assign(static_cast<size_t>(k + h), 0);
  for (int i = 0; i < k + h; ++i) {
    env.render(ep.frames[i]);
    ep.actions[i] = policy.act(env);
    if (i + 1 < k + h && env.step(ep.actions[i]).reset) return false;
  }
  return true;
}

}  // namespace

RolloutReport evaluate_rollouts(WorldModel& wm, const RolloutSpec& spec) {
  if (spec.episodes < 1 || spec.horizon < 1)
    throw Error(ErrorKind::kInvalidArgument, "rollout needs episodes >= 1 and horizon >= 1");
  auto env = make_env(spec.env, wm.frame_width(), wm.frame_height());
  if (env->num_actions() != static_cast<int>(wm.action_names().size()))
    throw Error(ErrorKind::kInvalidArgument, "env '" + spec.env + "' has " + std::to_string(env->num_actions()) +
                                                 " actions, the world model " +
                                                 std::to_string(wm.action_names().size()));
  const int k = wm.context_frames(), h = spec.horizon;
  RolloutReport r;
  r.steps.assign(static_cast<size_t>(h), HorizonStats{});
  r.nfe_per_frame = wm.steps();
  for (uint64_t attempt = 0; r.episodes < spec.episodes; ++attempt) {
    if (attempt >= static_cast<uint64_t>(spec.episodes) * 8)
      throw Error(ErrorKind::kInvalidArgument, "rollout: too many episodes crash inside the window; use a shorter "
                                               "--horizon or the scripted policy");
    const uint64_t seed = episode_seed(spec.seed, attempt);
    env->reset(seed);
    Policy policy(spec.policy, seed ^ 0x5eed);
    Episode ep;
    if (!record(*env, policy, k, h, spec.burn_in, ep)) {
      ++r.skipped;
      continue;
    }
    const bool keep = r.episodes == 0;
    // Autoregressive: from the true context, then on its own.
    wm.reset({ep.frames.data(), static_cast<size_t>(k)});
    for (int i = 0; i < h; ++i) {
      const Image& truth = ep.frames[k + i];
      const Image& dream = wm.step(ep.actions[k - 1 + i]);
      const StepTiming& t = wm.last_timing();
      r.frame_ms.push_back(t.total_ms());
      r.pre_ms.push_back(t.pre_ms);
      r.compute_ms.push_back(t.compute_ms);
      r.post_ms.push_back(t.post_ms);
      r.nfe.push_back(t.nfe);
      r.early_exits += t.exit == StepTiming::Exit::kConverged;
      r.deadline_exits += t.exit == StepTiming::Exit::kDeadline;
      HorizonStats& s = r.steps[i];
      s.ar_psnr += capped_psnr(dream, truth);
      s.ar_ssim += ssim(dream, truth);
      s.repeat_psnr += capped_psnr(ep.frames[k - 1], truth);
      s.repeat_ssim += ssim(ep.frames[k - 1], truth);
      if (keep) {
        r.truth.push_back(truth);
        r.dream.push_back(dream);
      }
    }
    // Teacher-forced: every step from the true K frames before it.
    for (int i = 0; i < h; ++i) {
      wm.reset({ep.frames.data() + i, static_cast<size_t>(k)});
      const Image& truth = ep.frames[k + i];
      const Image& pred = wm.step(ep.actions[k - 1 + i]);
      HorizonStats& s = r.steps[i];
      s.tf_psnr += capped_psnr(pred, truth);
      s.tf_ssim += ssim(pred, truth);
      s.tf_repeat_psnr += capped_psnr(ep.frames[k + i - 1], truth);
    }
    if (keep) r.context.assign(ep.frames.begin(), ep.frames.begin() + k);
    ++r.episodes;
  }
  for (auto& s : r.steps) {
    const double n = r.episodes;
    s.tf_psnr /= n, s.tf_ssim /= n, s.tf_repeat_psnr /= n, s.ar_psnr /= n, s.ar_ssim /= n, s.repeat_psnr /= n,
        s.repeat_ssim /= n;
  }
  return r;
}

}  // namespace edgewm::world
