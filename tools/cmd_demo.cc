// `edgewm demo`: the shipped world model in closed loop with its simulator. A scripted pilot
// flies the real drone; the model dreams the same flight from the same actions. Prints the
// per-frame latency split and PSNR vs the truth, writes demo.gif (truth | dream) and a
// latency chart.
#include <cmath>
#include <cstdio>
#include <deque>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "edgewm/world.h"
#include "media/gif.h"
#include "media/plot.h"
#include "media/png.h"
#include "runtime/latency_stats.h"
#include "world/envs/env.h"
#include "world/metrics.h"
#include "world/policy.h"
#include "text_out.h"

namespace edgewm::cli {

namespace {

struct DemoArgs {
  std::string model, gif = "demo.gif", plot = "demo_latency.png", env = "drone";
  int frames = 64, anchor_every = 0;
  uint64_t seed = 2024;
  WorldModelOptions wm;
  bool json = false;
  CompileFlags compile;
};

void run_demo(const DemoArgs& a) {
  WorldModel wm(open_model(a.model, a.compile), a.wm);
  auto env = world::make_env(a.env, wm.frame_width(), wm.frame_height());
  const int k = wm.context_frames();
  env->reset(episode_seed(a.seed, 0));
  world::Policy pilot("scripted", a.seed);
  std::deque<Image> recent;  // the last K true frames, to start (and restart) the dream
  Image truth;
  env->render(truth);
  for (int i = 0; i < k; ++i) recent.push_back(truth);  // an episode starts from a still history
  auto restart = [&] {
    std::vector<Image> h(recent.begin(), recent.end());
    wm.reset(h);
  };
  restart();

  const int scale = 4, gap = 2 * scale, w = wm.frame_width() * scale, h = wm.frame_height() * scale;
  GifWriter gif(a.gif, 2 * w + gap, h + 12, 8);
  Image canvas(2 * w + gap, h + 12, 3);
  std::vector<double> pre, compute, post, total, psnr;
  double nfe = 0;
  int crashes = 0, anchors = 0;
  for (int f = 0; f < a.frames; ++f) {
    const int action = pilot.act(*env);
    const bool crashed = env->step(action).reset;
    env->render(truth);
    recent.push_back(truth);
    if (static_cast<int>(recent.size()) > k) recent.pop_front();
    const Image& dream = wm.step(action);
    const StepTiming& t = wm.last_timing();
    pre.push_back(t.pre_ms), compute.push_back(t.compute_ms), post.push_back(t.post_ms), total.push_back(t.total_ms());
    psnr.push_back(std::min(99.0, world::psnr(dream, truth)));
    nfe += t.nfe;
    std::fill(canvas.pixels.begin(), canvas.pixels.end(), 255);
    paste_scaled(truth, canvas, 0, 12, scale);
    paste_scaled(dream, canvas, w + gap, 12, scale);
    draw_text(canvas, 2, 2, "truth", {40, 40, 40});
    char label[64];
    std::snprintf(label, sizeof label, "dream %.1fms", t.total_ms());
    draw_text(canvas, w + gap + 2, 2, label, {40, 40, 40});
    gif.add_frame(canvas);
    if (!a.json && (f % 8 == 0 || crashed))
      std::printf("  frame %3d  action %-5s  %7.2f ms (pre %.3f, compute %.2f, post %.3f)  PSNR %5.1f dB%s\n", f,
                  wm.action_names()[action].c_str(), t.total_ms(), t.pre_ms, t.compute_ms, t.post_ms, psnr.back(),
                  crashed ? "  [crash: new episode, dream restarts]" : "");
    // A crash starts a new episode the model cannot foresee; re-anchoring is the demo's
    // optional "sensor fusion" every N frames.
    if (crashed) {
      ++crashes;
      recent.assign(k, truth);
      restart();
    } else if (a.anchor_every > 0 && (f + 1) % a.anchor_every == 0) {
      ++anchors;
      restart();
    }
  }
  gif.close();
  const LatencyStats ts = summarize(total), cs = summarize(compute), ps = summarize(pre), qs = summarize(post);
  std::vector<ReferenceLine> lines = {{"median", ts.median, {30, 30, 30}}, {"p99", ts.p99, {200, 40, 40}}};
  if (a.wm.budget_ms > 0) lines.push_back({"budget", a.wm.budget_ms, {40, 140, 40}});
  write_png(a.plot, stacked_bar_chart("edgewm demo: " + std::to_string(wm.steps()) + " denoising steps per frame",
                                      "ms", {{"pre", pre, {90, 140, 220}}, {"compute", compute, {240, 150, 50}},
                                             {"post", post, {90, 180, 90}}},
                                      lines));
  double mean_psnr = 0;
  for (double p : psnr) mean_psnr += p;
  mean_psnr /= static_cast<double>(psnr.size());
  if (a.json) {
    auto st = [](const LatencyStats& s) { return nlohmann::json{{"median", s.median}, {"p99", s.p99}, {"max", s.max}}; };
    nlohmann::json j = {{"model", a.model}, {"frames", a.frames}, {"steps_per_frame", wm.steps()},
                        {"frame_ms", st(ts)}, {"pre_ms", st(ps)}, {"compute_ms", st(cs)}, {"post_ms", st(qs)},
                        {"mean_psnr_db", mean_psnr}, {"mean_nfe", nfe / a.frames}, {"crashes", crashes}, {"anchors", anchors},
                        {"gif", a.gif}, {"plot", a.plot}};
    std::printf("%s\n", json_text(j).c_str());
    return;
  }
  std::printf("\n%d frames, %d denoising steps each: frame median %.2f ms, p99 %.2f ms "
              "(pre %.3f / compute %.2f / post %.3f ms medians)\n",
              a.frames, wm.steps(), ts.median, ts.p99, ps.median, cs.median, qs.median);
  std::printf("dream vs truth: mean PSNR %.2f dB over the flight (%d crash restarts, %d re-anchors); "
              "%.2f denoiser calls per frame\n",
              mean_psnr, crashes, anchors, nfe / a.frames);
  std::printf("wrote %s (truth | dream) and %s\n", a.gif.c_str(), a.plot.c_str());
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "demo", "Fly the simulator with a scripted pilot while the world model dreams the same flight: per-frame "
              "latency split, PSNR vs truth, a GIF (truth | dream) and a latency chart");
  auto a = std::make_shared<DemoArgs>();
  cmd->add_option("model", a->model, "World model (.ewm, or .onnx with its model.json)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--frames", a->frames, "Frames to fly")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--seed", a->seed, "Seed of the flight (held out from training seeds)")->capture_default_str()->check(kNonNegativeInteger);
  cmd->add_option("--anchor-every", a->anchor_every,
                  "Restart the dream from the true frames every N frames (0: dream freely)")
      ->capture_default_str();
  cmd->add_option("--gif", a->gif, "Animated GIF output")->capture_default_str();
  cmd->add_option("--plot", a->plot, "Latency chart (PNG) output")->capture_default_str();
  cmd->add_flag("--json", a->json, "Print JSON");
  add_world_model_flags(*cmd, a->wm);
  a->compile.add_to(*cmd);
  cmd->callback([a] { run_demo(*a); });
}

}  // namespace edgewm::cli
