// `edgewm sample`: images from an unconditional diffusion model, as a PNG grid.
#include <cmath>
#include <cstdio>

#include "cli.h"
#include "diffusion/image_sampling.h"
#include "edgewm/session.h"
#include "media/gif.h"
#include "media/png.h"
#include "runtime/latency_stats.h"

namespace edgewm::cli {

void add_sample_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("sample", "Sample images from a diffusion model (DDPM, DDIM, Euler, Heun, DPM-Solver++ 2M) into a PNG grid");
  struct Args {
    std::string model, out = "grid.png";
    diffusion::ImageSamplingOptions opt;
    int threads = 0, scale = 2;
    CompileFlags compile;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("model", a->model, "Model (.ewm, or .onnx with its model.json)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--sampler", a->opt.sampler,
                  "ddpm, ddim, euler, heun or dpm++2m; add -karras for Karras noise levels (euler, heun, dpm++2m); "
                  "default: the model's, else ddim");
  cmd->add_option("--steps", a->opt.steps, "Sampling steps (default: the model's, else 50)")->check(CLI::Range(1, 1000));
  cmd->add_option("--eta", a->opt.eta, "DDIM eta: 0 deterministic, 1 as noisy as DDPM")->capture_default_str();
  cmd->add_option("--seed", a->opt.seed, "Seed of the initial noise")->capture_default_str()->check(kNonNegativeInteger);
  cmd->add_option("-n,--count", a->opt.count, "Images (a batch-B model makes B per pass)")->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--scale", a->scale, "Pixel scale in the grid")->capture_default_str()->check(CLI::Range(1, 16));
  cmd->add_option("-t,--threads", a->threads, "Threads (default: physical cores)");
  cmd->add_option("-o,--output", a->out, "PNG grid")->capture_default_str();
  a->compile.add_to(*cmd);
  cmd->callback([a] {
    Session session(open_model(a->model, a->compile), SessionOptions{a->threads});
    auto r = diffusion::sample_images(session, a->opt);
    const int n = static_cast<int>(r.images.size()), cols = static_cast<int>(std::ceil(std::sqrt(n)));
    const int rows = (n + cols - 1) / cols, w = r.images[0].width * a->scale, h = r.images[0].height * a->scale;
    Image grid(cols * (w + 2), rows * (h + 2), 3);
    std::fill(grid.pixels.begin(), grid.pixels.end(), 255);
    for (int i = 0; i < n; ++i) paste_scaled(r.images[i], grid, (i % cols) * (w + 2), (i / cols) * (h + 2), a->scale);
    write_png(a->out, grid);
    const LatencyStats s = summarize(r.step_ms);
    std::printf("%d images, %s, %d steps: model evaluation median %.2f ms (p99 %.2f), %.1f ms per image; -> %s\n", n,
                r.sampler.c_str(), r.steps, s.median, s.p99,
                s.median * static_cast<double>(r.step_ms.size()) / n, a->out.c_str());
  });
}

}  // namespace edgewm::cli
