#include "cli.h"

#include <cstdio>
#include <filesystem>
#include <random>


namespace edgewm::cli {

Shape parse_shape(const std::string& text) {
  Shape s;
  if (text.empty() || text == "scalar") return s;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of("x,", start);
    std::string part = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    try {
      size_t used = 0;
      long long d = std::stoll(part, &used);
      if (used != part.size() || d < 0) throw std::invalid_argument("bad");
      s.push_back(d);
    } catch (const std::exception&) {
      throw Error(ErrorKind::kInvalidArgument, "bad shape '" + text + "' (expected e.g. 1x3x32x32)");
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return s;
}

std::pair<std::string, std::string> split_assignment(const std::string& text, const std::string& flag) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw Error(ErrorKind::kInvalidArgument, flag + " expects name=value, got '" + text + "'");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

void CompileFlags::add_to(CLI::App& app) {
  app.add_option("--input-shape", input_shapes,
                 "Fix an input's shape, e.g. --input-shape sample=1x3x32x32 (default: the model's static "
                 "dims, batch 1)");
  app.add_option("--input-value", input_values,
                 "Freeze an input to a constant from a .npy/.pb file, e.g. a shape tensor");
  app.add_option("--batch", batch,
                 "Batch size for inputs whose leading dim is dynamic (default 1); a model exported with a "
                 "fixed batch is refused when it differs")
      ->check(CLI::PositiveNumber);
  app.add_option("--meta", meta,
                 "Store key=value in the model's metadata (repeatable; wins over the model.json beside the ONNX)");
  app.add_flag("--no-fold", no_fold, "Do not fold constant subgraphs (debugging)");
  app.add_option("--no-pass", no_pass,
                 "Leave out one graph pass by name (repeatable; `edgewm compile --list-passes` lists them)");
  app.add_flag("--no-fuse", no_fuse,
               "Do not fuse op chains (GroupNorm, SiLU, Conv epilogues, upsampling convs) nor write Concat inputs "
               "in place (debugging)");
}

void add_world_model_flags(CLI::App& app, WorldModelOptions& o) {
  app.add_option("--steps", o.steps, "Denoising steps per frame (default: the model's)")->check(CLI::Range(1, 1000));
  app.add_option("--sampler", o.sampler,
                 "euler, heun (2 model calls per step but the last) or dpm++2m (default: the model's, else euler)");
  app.add_option("--early-exit", o.early_exit_tol,
                 "Stop denoising once the clean-frame prediction changes less than this (relative L2)")
      ->check(kFiniteNonNegative);
  app.add_option("--warm-start", o.warm_start_step,
                 "Start each frame at this noise level of the schedule from a forecast of the next frame (0: off)");
  app.add_option("--warm-start-from", o.warm_start_from,
                 "Warm-start forecast: motion (newest frame moved by the last global motion) or last (newest frame)")
      ->capture_default_str()
      ->check(CLI::IsMember({"motion", "last"}));
  app.add_option("--budget-ms", o.budget_ms, "Per-frame deadline: return the best estimate rather than miss it")
      ->check(kFiniteNonNegative);
  app.add_option("-t,--threads", o.threads, "Threads (default: physical cores)");
  app.add_flag("!--no-memo", o.memoize_conditioning,
               "Recompute the noise-level/action conditioning path on every call instead of once per value");
}

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB"};
  int u = 0;
  while (bytes >= 1024 && u < 3) {
    bytes /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", bytes, units[u]);
  return buf;
}

std::vector<Tensor> synthetic_inputs(const Model& m) {
  std::mt19937 rng(0);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<Tensor> ins;
  for (const auto& info : m.inputs()) {
    Tensor t(info.dtype, info.shape);
    if (info.dtype == DType::kF32)
      for (int64_t i = 0; i < t.numel(); ++i) t.as<float>()[i] = u(rng);
    ins.push_back(std::move(t));
  }
  return ins;
}

}  // namespace edgewm::cli
