// `edgewm rollout`: a world model against its simulator on held-out seeds — PSNR and SSIM per
// horizon step, teacher-forced and autoregressive, next to "repeat the last frame".
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "edgewm/world.h"
#include "media/gif.h"
#include "media/png.h"
#include "runtime/latency_stats.h"
#include "world/rollout.h"
#include "text_out.h"

namespace edgewm::cli {

namespace {

constexpr int kScale = 4, kGap = 2;

// Rows: truth, dream; columns: the horizon steps (context frames first, in both rows).
Image strip_png(const world::RolloutReport& r) {
  const int w = r.truth[0].width, h = r.truth[0].height, n = static_cast<int>(r.context.size() + r.truth.size());
  Image out(n * (w + kGap), 2 * h + kGap, 3);
  std::fill(out.pixels.begin(), out.pixels.end(), 255);
  for (int i = 0; i < n; ++i) {
    const bool ctx = i < static_cast<int>(r.context.size());
    const Image& top = ctx ? r.context[i] : r.truth[i - r.context.size()];
    const Image& bottom = ctx ? r.context[i] : r.dream[i - r.context.size()];
    paste_scaled(top, out, i * (w + kGap), 0);
    paste_scaled(bottom, out, i * (w + kGap), h + kGap);
  }
  return out;
}

void write_gif(const world::RolloutReport& r, const std::string& path) {
  const int w = r.truth[0].width * kScale, h = r.truth[0].height * kScale;
  GifWriter gif(path, 2 * w + kGap * kScale, h, 25);
  Image frame(2 * w + kGap * kScale, h, 3);
  for (size_t i = 0; i < r.truth.size(); ++i) {
    std::fill(frame.pixels.begin(), frame.pixels.end(), 255);
    paste_scaled(r.truth[i], frame, 0, 0, kScale);
    paste_scaled(r.dream[i], frame, w + kGap * kScale, 0, kScale);
    gif.add_frame(frame);
  }
  gif.close();
}

double mean(const std::vector<int>& v) {
  double s = 0;
  for (int x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

double mean_of(const world::RolloutReport& r, double world::HorizonStats::*field) {
  double s = 0;
  for (const auto& h : r.steps) s += h.*field;
  return r.steps.empty() ? 0 : s / static_cast<double>(r.steps.size());
}

nlohmann::json stats(const std::vector<double>& v) {
  LatencyStats s = summarize(v);
  return {{"median", s.median}, {"p90", s.p90}, {"p99", s.p99}, {"max", s.max}, {"count", s.count}};
}

}  // namespace

void add_rollout_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "rollout", "Run a world model against its simulator on held-out seeds: PSNR/SSIM per horizon step, "
                 "teacher-forced and autoregressive, vs repeating the last frame");
  struct Args {
    std::string model, strip, gif;
    world::RolloutSpec spec;
    WorldModelOptions wm;
    bool json = false;
    CompileFlags compile;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("model", a->model, "World model: .ewm, or .onnx with its model.json")->required()->check(CLI::ExistingFile);
  cmd->add_option("--env", a->spec.env, "Simulator")->capture_default_str();
  cmd->add_option("--episodes", a->spec.episodes, "Held-out episodes")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--horizon", a->spec.horizon, "Frames predicted per episode")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--seed", a->spec.seed, "Base seed of the held-out episodes (keep it apart from training seeds)")
      ->capture_default_str()
      ->check(kNonNegativeInteger);
  cmd->add_option("--sampler-seed", a->wm.seed, "Seed of the sampler's noise")->capture_default_str()->check(kNonNegativeInteger);
  cmd->add_option("--policy", a->spec.policy, "Who acts: scripted or random")->capture_default_str();
  cmd->add_option("--strip", a->strip, "Write a PNG strip of the first episode (top: truth, bottom: dream)");
  cmd->add_option("--gif", a->gif, "Write an animated GIF of the first episode (truth | dream)");
  cmd->add_flag("--json", a->json, "Print JSON");
  add_world_model_flags(*cmd, a->wm);
  a->compile.add_to(*cmd);
  cmd->callback([a] {
    WorldModel wm(open_model(a->model, a->compile), a->wm);
    world::RolloutReport r = world::evaluate_rollouts(wm, a->spec);
    if (!a->strip.empty()) write_png(a->strip, strip_png(r));
    if (!a->gif.empty()) write_gif(r, a->gif);
    if (a->json) {
      nlohmann::json steps = nlohmann::json::array();
      for (size_t i = 0; i < r.steps.size(); ++i) {
        const auto& s = r.steps[i];
        steps.push_back({{"horizon", i + 1}, {"tf_psnr", s.tf_psnr}, {"tf_ssim", s.tf_ssim},
                         {"tf_repeat_last_psnr", s.tf_repeat_psnr}, {"ar_psnr", s.ar_psnr}, {"ar_ssim", s.ar_ssim},
                         {"repeat_last_psnr", s.repeat_psnr}, {"repeat_last_ssim", s.repeat_ssim}});
      }
      nlohmann::json j = {{"model", a->model}, {"env", a->spec.env}, {"policy", a->spec.policy},
                          {"seed", a->spec.seed}, {"episodes", r.episodes}, {"skipped_windows", r.skipped},
                          {"steps_per_frame", r.nfe_per_frame}, {"mean_nfe", mean(r.nfe)},
                          {"early_exits", r.early_exits}, {"deadline_exits", r.deadline_exits},
                          {"mean_tf_psnr", mean_of(r, &world::HorizonStats::tf_psnr)},
                          {"mean_ar_psnr", mean_of(r, &world::HorizonStats::ar_psnr)},
                          {"frame_ms", stats(r.frame_ms)},
                          {"pre_ms", stats(r.pre_ms)}, {"compute_ms", stats(r.compute_ms)},
                          {"post_ms", stats(r.post_ms)}, {"horizon", steps}};
      std::printf("%s\n", json_text(j).c_str());
      return;
    }
    std::printf("rollout %s on %s: %d held-out episodes (seed %llu, %s policy; %d windows redrawn after a crash), "
                "%d denoising steps per frame\n",
                a->model.c_str(), a->spec.env.c_str(), r.episodes, static_cast<unsigned long long>(a->spec.seed),
                a->spec.policy.c_str(), r.skipped, r.nfe_per_frame);
    std::printf("  %3s  %21s  %21s  %21s\n", "h", "teacher-forced", "autoregressive", "repeat last frame");
    std::printf("  %3s  %10s %10s  %10s %10s  %10s %10s\n", "", "PSNR dB", "SSIM", "PSNR dB", "SSIM", "PSNR dB", "SSIM");
    for (size_t i = 0; i < r.steps.size(); ++i) {
      const auto& s = r.steps[i];
      std::printf("  %3zu  %10.2f %10.4f  %10.2f %10.4f  %10.2f %10.4f\n", i + 1, s.tf_psnr, s.tf_ssim, s.ar_psnr,
                  s.ar_ssim, s.repeat_psnr, s.repeat_ssim);
    }
    const LatencyStats f = summarize(r.frame_ms), c = summarize(r.compute_ms), pre = summarize(r.pre_ms),
                       post = summarize(r.post_ms);
    std::printf("  means over the horizon: teacher-forced %.2f dB, autoregressive %.2f dB\n",
                mean_of(r, &world::HorizonStats::tf_psnr), mean_of(r, &world::HorizonStats::ar_psnr));
    std::printf("  frame latency: median %.2f ms, p99 %.2f ms (pre %.3f, compute %.2f, post %.3f ms medians); "
                "%.2f denoiser calls per frame (%d early exits, %d deadline exits)\n",
                f.median, f.p99, pre.median, c.median, post.median, mean(r.nfe), r.early_exits, r.deadline_exits);
  });
}

}  // namespace edgewm::cli
