// `edgewm dataset`: record simulator episodes for training and evaluating world models.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "io/npy.h"
#include "media/png.h"
#include "world/dataset.h"
#include "world/envs/env.h"
#include "text_out.h"

namespace edgewm::cli {

namespace {

// The first episode's first frames side by side: a person can see what was recorded.
Image preview_strip(const world::Dataset& d, int count) {
  const Shape& s = d.frames.shape();
  const int t = static_cast<int>(std::min<int64_t>(count, s[1])), h = static_cast<int>(s[2]), w = static_cast<int>(s[3]);
  Image strip(w * t, h, 3);
  for (int i = 0; i < t; ++i)
    for (int y = 0; y < h; ++y)
      std::copy_n(d.frames.as<uint8_t>() + ((static_cast<int64_t>(i) * h + y) * w) * 3, w * 3,
                  strip.row(y) + static_cast<size_t>(i) * w * 3);
  return strip;
}

}  // namespace

void add_dataset_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("dataset", "Record simulator episodes as NumPy arrays (frames, actions, resets)");
  struct Args {
    world::DatasetSpec spec;
    std::string out;
    int size = 64;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--env", a->spec.env, "Simulator: drone (actions) or bouncing (no actions)")->capture_default_str();
  cmd->add_option("--episodes", a->spec.episodes, "Episodes")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--steps", a->spec.steps, "Frames per episode")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--policy", a->spec.policy, "random (sticky) or scripted")->capture_default_str();
  cmd->add_option("--seed", a->spec.seed,
                  "Base seed; episode i resets with a seed derived from (seed, i). Keep evaluation seeds apart "
                  "from training seeds")
      ->check(kNonNegativeInteger)
      ->capture_default_str();
  cmd->add_option("--size", a->size, "Frame width and height in pixels")->capture_default_str()->check(CLI::Range(8, 1024));
  cmd->add_option("-o,--output", a->out, "Output directory")->required();
  cmd->callback([a] {
    a->spec.width = a->spec.height = a->size;
    world::Dataset d = world::record_dataset(a->spec);
    std::filesystem::create_directories(a->out);
    const std::filesystem::path dir(a->out);
    save_npy(d.frames.view(), (dir / "frames.npy").string());
    save_npy(d.actions.view(), (dir / "actions.npy").string());
    save_npy(d.resets.view(), (dir / "resets.npy").string());
    write_png((dir / "preview.png").string(), preview_strip(d, 16));
    int64_t resets = 0;
    for (int64_t i = 0; i < d.resets.numel(); ++i) resets += d.resets.as<uint8_t>()[i];
    nlohmann::json m = {
        {"env", a->spec.env},
        {"width", a->spec.width},
        {"height", a->spec.height},
        {"episodes", a->spec.episodes},
        {"steps", a->spec.steps},
        {"policy", a->spec.policy},
        {"seed", a->spec.seed},
        {"episode_seeds", d.episode_seeds},
        {"action_names", d.action_names},
        {"episode_starts", resets},
        {"files",
         {{"frames.npy", "uint8 [episodes, steps, height, width, 3], RGB"},
          {"actions.npy", "int64 [episodes, steps]: action taken after frame t, leading to frame t+1"},
          {"resets.npy", "uint8 [episodes, steps]: 1 where frame t starts a new episode (t = 0 and after a crash)"}}},
        {"generator", "edgewm dataset " EDGEWM_VERSION}};
    std::ofstream((dir / "manifest.json").string()) << json_text(m) << "\n";
    std::printf("%d episodes x %d frames of %s (%dx%d, policy %s, seed %llu) -> %s (%lld episode starts)\n",
                a->spec.episodes, a->spec.steps, a->spec.env.c_str(), a->spec.width, a->spec.height,
                a->spec.policy.c_str(), static_cast<unsigned long long>(a->spec.seed), a->out.c_str(),
                static_cast<long long>(resets));
  });
}

}  // namespace edgewm::cli
