// `edgewm bench`: the per-frame latency split edge engineers reason about — T_load, T_pre,
// T_compute, T_post (T_comm where a pipeline hop exists) — as medians and tails over runs.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <algorithm>
#include <unistd.h>

#include "cli.h"
#include "edgewm/thread_pool.h"
#include "edgewm/session.h"
#include "imaging/image_tensor.h"
#include "runtime/cost_model.h"
#include "runtime/cpu_peak.h"
#include "runtime/micro_bench.h"
#include "runtime/latency_stats.h"
#include "runtime/model_data.h"
#include "text_out.h"

namespace edgewm::cli {

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

nlohmann::json stats_json(const LatencyStats& s) {
  return {{"count", s.count}, {"min", s.min}, {"median", s.median}, {"p90", s.p90}, {"p99", s.p99}, {"max", s.max}};
}

void print_stats(const char* name, const LatencyStats& s) {
  std::printf("  %-30s median %9.3f  min %9.3f  p90 %9.3f  p99 %9.3f ms  (n=%d)\n", name, s.median, s.min, s.p90, s.p99,
              s.count);
}

struct Args {
  std::string model, image, image_input, save_output;
  int threads = 0, runs = 50, warmup = 5, loads = 50;
  std::vector<std::string> memoize;
  bool json = false, peak = false, micro = false, mmap = false;
  CompileFlags compile;
};

// The .ewm to measure: the given one, or the ONNX model compiled into a temporary file (so
// T_load is the real load of a file, not of bytes already in memory).
struct ModelFile {
  std::string path;
  std::optional<std::filesystem::path> temp_dir;
  ~ModelFile() {
    std::error_code ec;
    if (temp_dir) std::filesystem::remove_all(*temp_dir, ec);
  }
};

void prepare_model_file(const Args& a, ModelFile& f) {
  if (std::filesystem::path(a.model).extension() == ".ewm") {
    f.path = a.model;
    if (a.compile.batch > 0) {
      auto m = Model::load(a.model);
      for (const auto& in : m->inputs())
        if (in.shape.rank() > 0 && in.shape[0] != a.compile.batch && in.dtype == DType::kF32)
          throw Error(ErrorKind::kInvalidArgument, a.model + " was compiled for input '" + in.name + "' of shape " +
                                                       in.shape.str() + "; --batch " + std::to_string(a.compile.batch) +
                                                       " needs `edgewm compile --batch " +
                                                       std::to_string(a.compile.batch) + "` (or pass the .onnx)");
    }
    return;
  }
  auto bytes = compile_onnx_bytes(a.model, a.compile);
  f.temp_dir = std::filesystem::temp_directory_path() / ("edgewm-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(*f.temp_dir);
  f.path = (*f.temp_dir / "model.ewm").string();
  std::FILE* out = std::fopen(f.path.c_str(), "wb");
  if (!out || std::fwrite(bytes.data(), 1, bytes.size(), out) != bytes.size() || std::fclose(out) != 0)
    throw Error(ErrorKind::kIo, f.path + ": cannot write the compiled model");
}

// Which input the --image frames feed: the named one, or the first f32 NCHW image-like input.
int image_input_index(const Model& m, const std::string& name) {
  const auto& ins = m.inputs();
  for (size_t i = 0; i < ins.size(); ++i) {
    TensorView probe{nullptr, ins[i].dtype, ins[i].shape};
    if (name.empty() ? is_image_tensor(probe) : ins[i].name == name) {
      if (!is_image_tensor(probe))
        throw Error(ErrorKind::kInvalidArgument, "--image-input '" + name + "' is " + dtype_name(ins[i].dtype) + "[" +
                                                     ins[i].shape.str() + "], not an f32 NCHW image tensor");
      return static_cast<int>(i);
    }
  }
  throw Error(ErrorKind::kInvalidArgument, name.empty() ? "--image: the model has no f32 NCHW input with 1, 3 or 4 channels"
                                                        : "--image-input names '" + name + "', which is not a model input");
}

struct FrameTimes {
  std::vector<double> pre, compute, post, total;
};

void report_peak(const std::vector<PeakResult>& peak) {
  std::printf("peak of this machine (%d physical cores)\n  %-10s %-12s %7s %12s\n", ThreadPool::physical_cores(), "kind",
              "isa", "threads", "G(FL)OP/s");
  for (const auto& p : peak) std::printf("  %-10s %-12s %7d %12.1f\n", p.kind.c_str(), p.isa.c_str(), p.threads, p.gops);
}

nlohmann::json peak_json(const std::vector<PeakResult>& peak) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& p : peak) j.push_back({{"kind", p.kind}, {"isa", p.isa}, {"threads", p.threads}, {"gops", p.gops}});
  return j;
}

void run_micro(const Args& a) {
  const std::vector<MicroResult> r = measure_micro_kernels();
  if (a.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& m : r) j.push_back({{"kernel", m.kernel}, {"kc", m.kc}, {"gmacs", m.gmacs}});
    std::printf("%s\n", json_text(nlohmann::json{{"micro_kernels", j}}).c_str());
    return;
  }
  std::printf("micro-kernels of this build on this CPU (1 thread, panels in L1)\n  %-32s %6s %10s\n", "kernel", "kc",
              "GMAC/s");
  for (const auto& m : r) std::printf("  %-32s %6lld %10.1f\n", m.kernel.c_str(), static_cast<long long>(m.kc), m.gmacs);
}

void run_bench(const Args& a) {
  if (a.micro) {
    if (!a.model.empty() || a.peak) throw Error(ErrorKind::kInvalidArgument, "bench --micro takes no model and no --peak");
    run_micro(a);
    return;
  }
  if (a.model.empty() && !a.peak) throw Error(ErrorKind::kInvalidArgument, "bench needs a model (or --peak, or --micro)");
  std::vector<PeakResult> peak;
  if (a.peak) {
    peak = measure_peak(a.threads > 0 ? a.threads : ThreadPool::physical_cores());
    if (!a.json) report_peak(peak);
    if (a.model.empty()) {
      if (a.json) std::printf("%s\n", json_text(nlohmann::json{{"peak", peak_json(peak)}}).c_str());
      return;
    }
  }
  std::optional<Image> frame;
  if (!a.image.empty()) frame = read_png_file(a.image);
  ModelFile file;
  prepare_model_file(a, file);

  // T_load: read (or map, --mmap) + validate (+ hash the weights), then session setup. The
  // first load may read the file from disk; later ones find it in the page cache, as a device
  // that keeps it would.
  std::vector<double> load_verified, load_fast, session_setup;
  std::shared_ptr<const Model> model;
  for (int i = 0; i < a.loads; ++i) {
    auto t0 = Clock::now();
    LoadOptions verified;
    verified.map_file = a.mmap;
    model = Model::load(file.path, verified);
    load_verified.push_back(ms_since(t0));
    t0 = Clock::now();
    LoadOptions fast = verified;
    fast.verify_weights = false;
    model = Model::load(file.path, fast);
    load_fast.push_back(ms_since(t0));
    t0 = Clock::now();
    Session s(model, SessionOptions{a.threads});
    session_setup.push_back(ms_since(t0));
  }
  SessionOptions session_options;
  session_options.threads = a.threads;
  session_options.memoize_inputs = a.memoize;
  // The pool explicit, to report how often it ran loops on the caller alone (a stalled worker).
  session_options.pool = a.threads == 0 ? ThreadPool::shared() : std::make_shared<ThreadPool>(a.threads);
  const uint64_t stalls_before = session_options.pool->stalls();
  Session session(model, session_options);
  std::vector<Tensor> ins = synthetic_inputs(*model);
  std::vector<TensorView> views;
  for (const auto& t : ins) views.push_back(t.view());
  const int image_input = frame ? image_input_index(*model, a.image_input) : -1;

  // What the application keeps after a frame: image outputs as 8-bit frames, others copied out
  // of the session's arena (the next run overwrites it).
  std::vector<std::vector<Image>> out_images(model->outputs().size());
  std::vector<Tensor> out_copies;
  for (const auto& info : model->outputs()) out_copies.emplace_back(info.dtype, info.shape);

  FrameTimes ft;
  auto one_frame = [&](bool record) {
    auto t0 = Clock::now();
    if (frame)
      for (int64_t b = 0; b < views[image_input].shape[0]; ++b) image_to_tensor(*frame, views[image_input], b);
    auto t1 = Clock::now();
    auto outs = session.run(views);
    auto t2 = Clock::now();
    for (size_t o = 0; o < outs.size(); ++o) {
      if (is_image_tensor(outs[o])) {
        out_images[o].resize(static_cast<size_t>(outs[o].shape[0]));
        for (int64_t b = 0; b < outs[o].shape[0]; ++b) tensor_to_image(outs[o], b, {}, out_images[o][b]);
      } else {
        std::memcpy(out_copies[o].data(), outs[o].data, outs[o].nbytes());
      }
    }
    auto t3 = Clock::now();
    if (record) {
      auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
      ft.pre.push_back(ms(t1 - t0));
      ft.compute.push_back(ms(t2 - t1));
      ft.post.push_back(ms(t3 - t2));
      ft.total.push_back(ms(t3 - t0));
    }
  };
  auto t0 = Clock::now();
  one_frame(false);
  const double first_run = ms_since(t0);
  for (int i = 0; i < a.warmup; ++i) one_frame(false);
  for (int i = 0; i < a.runs; ++i) one_frame(true);
  if (!a.save_output.empty()) {
    auto it = std::find_if(out_images.begin(), out_images.end(), [](const auto& v) { return !v.empty(); });
    if (it == out_images.end()) throw Error(ErrorKind::kInvalidArgument, "--save-output: the model has no image output");
    write_png_file(a.save_output, (*it)[0]);
  }

  const uint64_t stalls = session_options.pool->stalls() - stalls_before;
  const Graph& g = model->data().parsed.graph;
  int64_t macs = 0;
  for (const Node& n : g.nodes) macs += node_macs(n, g);
  const int64_t batch = model->inputs().empty() || model->inputs()[0].shape.rank() == 0 ? 1 : model->inputs()[0].shape[0];
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  const double mb = static_cast<double>(model->file_bytes()) / (1024.0 * 1024.0);
  const LatencyStats lv = summarize(load_verified), lf = summarize(load_fast), ss = summarize(session_setup),
                     pre = summarize(ft.pre), tc = summarize(ft.compute), post = summarize(ft.post),
                     total = summarize(ft.total);
  const double gflops = 2.0 * static_cast<double>(macs) / (tc.median * 1e6);
  const double fp32_peak = peak.empty() ? 0 : best_fp32_gflops(peak, session.threads());
  if (a.json) {
    nlohmann::json j = {{"model", a.model},
                        {"threads", session.threads()},
                        {"batch", batch},
                        {"image", a.image.empty() ? nlohmann::json() : nlohmann::json(a.image)},
                        {"file_bytes", model->file_bytes()},
                        {"weight_bytes", model->weight_bytes()},
                        {"arena_bytes", model->arena_bytes()},
                        {"macs", macs},
                        {"t_load_verified_ms", stats_json(lv)},
                        {"t_load_unverified_ms", stats_json(lf)},
                        {"t_session_setup_ms", stats_json(ss)},
                        {"t_first_run_ms", first_run},
                        {"t_pre_ms", stats_json(pre)},
                        {"t_compute_ms", stats_json(tc)},
                        {"t_post_ms", stats_json(post)},
                        {"t_comm_ms", nullptr},  // no pipeline or network hop in a single-model bench
                        {"t_frame_ms", stats_json(total)},
                        {"load_ms_per_mb_verified", lv.median / mb},
                        {"gflops", gflops},
                        {"peak_rss_bytes", static_cast<int64_t>(ru.ru_maxrss) * 1024},
                        {"pool_stalls", stalls}};
    if (!peak.empty()) {
      j["fp32_peak_gflops"] = fp32_peak;
      j["percent_of_fp32_peak"] = fp32_peak > 0 ? 100 * gflops / fp32_peak : 0;
      j["peak"] = peak_json(peak);
    }
    std::printf("%s\n", json_text(j).c_str());
    return;
  }
  std::printf("bench %s: %s, %.3f GMAC, batch %lld, %d threads\n", a.model.c_str(),
              format_bytes(static_cast<double>(model->file_bytes())).c_str(), macs / 1e9, static_cast<long long>(batch),
              session.threads());
  print_stats(a.mmap ? "T_load (map+parse+verify)" : "T_load (read+parse+verify)", lv);
  print_stats("T_load (no weight hash)", lf);
  print_stats("session setup", ss);
  std::printf("  %-30s %9.3f ms\n", "first run", first_run);
  print_stats(frame ? "T_pre (resize+normalise+NCHW)" : "T_pre (tensors given: none)", pre);
  print_stats("T_compute", tc);
  print_stats("T_post (to 8-bit frames/copy)", post);
  std::printf("  %-30s (no pipeline or network hop)\n", "T_comm");
  print_stats("frame (pre+compute+post)", total);
  std::printf("  load: %.4f ms per MB verified, %.4f ms per MB unverified\n", lv.median / mb, lf.median / mb);
  std::printf("  %.2f GFLOP/s at the median; arena %s, weights %s, peak RSS %s\n", gflops,
              format_bytes(static_cast<double>(model->arena_bytes())).c_str(),
              format_bytes(static_cast<double>(model->weight_bytes())).c_str(),
              format_bytes(static_cast<double>(ru.ru_maxrss) * 1024).c_str());
  if (session.threads() > 1)
    std::printf("  thread pool: %llu stall(s) (a worker held off by the OS: loops ran on the caller alone for a while)\n",
                static_cast<unsigned long long>(stalls));
  if (!peak.empty())
    std::printf("  %.1f%% of this machine's FP32 peak at %d threads (%.1f GFLOP/s)\n",
                fp32_peak > 0 ? 100 * gflops / fp32_peak : 0, session.threads(), fp32_peak);
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "bench", "Per-frame latency split (load, pre-process, compute, post-process) of a model, as medians over runs");
  auto args = std::make_shared<Args>();
  cmd->add_option("model", args->model, "Model: .ewm, or .onnx compiled on the fly (optional with --peak, none with --micro)")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--peak", args->peak,
                "Measure this machine's FP32 FMA and INT8 dot-product peak (every ISA it has, 1..N threads) "
                "and report the model's compute as % of the FP32 peak");
  cmd->add_flag("--micro", args->micro,
                "Measure each GEMM micro-kernel this build has and this CPU runs (f32 and integer, 1 thread, "
                "panels in L1), in GMAC/s; no model");
  cmd->add_option("-t,--threads", args->threads, "Threads (default: physical cores)");
  cmd->add_option("--runs", args->runs, "Timed runs (default 50)")->check(CLI::PositiveNumber);
  cmd->add_option("--memoize", args->memoize,
                  "Input whose value repeats (e.g. a sampler's noise level): nodes depending only on such inputs "
                  "run once and are replayed (repeatable)");
  cmd->add_option("--warmup", args->warmup, "Untimed runs first (default 5)")->check(kNonNegativeInteger);
  cmd->add_option("--loads", args->loads, "Timed model loads (default 50)")->check(CLI::PositiveNumber);
  cmd->add_flag("--mmap", args->mmap, "Load by mapping the file (zero-copy) instead of reading it (LoadOptions::map_file)");
  cmd->add_option("--image", args->image,
                  "PNG frame fed to every run: T_pre then covers resize to the input's HxW, normalisation to "
                  "[-1, 1] and NCHW layout, for every batch item")
      ->check(CLI::ExistingFile);
  cmd->add_option("--image-input", args->image_input, "Input the --image feeds (default: the first f32 NCHW image input)");
  cmd->add_option("--save-output", args->save_output, "Write the first image output of the last run as PNG");
  cmd->add_flag("--json", args->json, "Print JSON");
  args->compile.add_to(*cmd);
  cmd->callback([args] { run_bench(*args); });
}

}  // namespace edgewm::cli
