// `edgewm bench`: load and compute latency of a compiled model, as medians over repeated runs.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

#include "cli.h"
#include "edgewm/session.h"
#include "runtime/cost_model.h"
#include "runtime/cpu_peak.h"
#include "core/thread_pool.h"
#include "runtime/latency_stats.h"
#include "runtime/model_data.h"

namespace edgewm::cli {

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// Deterministic inputs: floats in [-1, 1], integers 0 (valid indices/actions for any model).
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

nlohmann::json stats_json(const LatencyStats& s) {
  return {{"count", s.count}, {"min", s.min}, {"median", s.median}, {"p90", s.p90}, {"p99", s.p99}, {"max", s.max}};
}

void print_stats(const char* name, const LatencyStats& s) {
  std::printf("  %-30s median %9.3f  min %9.3f  p90 %9.3f  p99 %9.3f ms  (n=%d)\n", name, s.median, s.min, s.p90, s.p99,
              s.count);
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Measure load and compute latency of a .ewm model (medians over runs)");
  struct Args {
    std::string model;
    int threads = 0, runs = 50, warmup = 5, loads = 50;
    bool json = false, peak = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("model", args->model, "Compiled .ewm model (optional with --peak)")->check(CLI::ExistingFile);
  cmd->add_flag("--peak", args->peak,
                "Measure this machine's FP32 FMA and INT8 dot-product peak (every ISA it has, 1..N threads) "
                "and report the model's compute as % of the FP32 peak");
  cmd->add_option("-t,--threads", args->threads, "Threads (default: physical cores)");
  cmd->add_option("--runs", args->runs, "Timed runs (default 50)")->check(CLI::PositiveNumber);
  cmd->add_option("--warmup", args->warmup, "Untimed runs first (default 5)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--loads", args->loads, "Timed model loads (default 50)")->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "Print JSON");
  cmd->callback([args] {
    if (args->model.empty() && !args->peak) throw Error(ErrorKind::kInvalidArgument, "bench needs a model (or --peak)");
    std::vector<PeakResult> peak;
    if (args->peak) {
      int max_threads = args->threads > 0 ? args->threads : ThreadPool::physical_cores();
      peak = measure_peak(max_threads);
      if (!args->json) {
        std::printf("peak of this machine (%d physical cores)\n  %-10s %-12s %7s %12s\n", ThreadPool::physical_cores(),
                    "kind", "isa", "threads", "G(FL)OP/s");
        for (const auto& p : peak)
          std::printf("  %-10s %-12s %7d %12.1f\n", p.kind.c_str(), p.isa.c_str(), p.threads, p.gops);
      }
      if (args->model.empty()) {
        if (args->json) {
          nlohmann::json j = nlohmann::json::array();
          for (const auto& p : peak) j.push_back({{"kind", p.kind}, {"isa", p.isa}, {"threads", p.threads}, {"gops", p.gops}});
          std::printf("%s\n", nlohmann::json{{"peak", j}}.dump(2).c_str());
        }
        return;
      }
    }
    // T_load: map + validate (+ hash the weights), then session setup. The first load may read
    // the file from disk; later ones find it in the page cache, as a device that keeps it would.
    std::vector<double> load_verified, load_fast, session_setup;
    std::shared_ptr<const Model> model;
    for (int i = 0; i < args->loads; ++i) {
      auto t0 = Clock::now();
      model = Model::load(args->model, LoadOptions{true});
      load_verified.push_back(ms_since(t0));
      t0 = Clock::now();
      model = Model::load(args->model, LoadOptions{false});
      load_fast.push_back(ms_since(t0));
      t0 = Clock::now();
      Session s(model, SessionOptions{args->threads});
      session_setup.push_back(ms_since(t0));
    }
    Session session(model, SessionOptions{args->threads});
    std::vector<Tensor> ins = synthetic_inputs(*model);
    std::vector<TensorView> views;
    for (const auto& t : ins) views.push_back(t.view());
    auto t0 = Clock::now();
    session.run(views);
    double first_run = ms_since(t0);
    for (int i = 0; i < args->warmup; ++i) session.run(views);
    std::vector<double> compute;
    for (int i = 0; i < args->runs; ++i) {
      t0 = Clock::now();
      session.run(views);
      compute.push_back(ms_since(t0));
    }
    const Graph& g = model->data().parsed.graph;
    int64_t macs = 0;
    for (const Node& n : g.nodes) macs += node_macs(n, g);
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    double mb = static_cast<double>(model->file_bytes()) / (1024.0 * 1024.0);
    LatencyStats lv = summarize(load_verified), lf = summarize(load_fast), ss = summarize(session_setup),
                 tc = summarize(compute);
    double gflops = 2.0 * static_cast<double>(macs) / (tc.median * 1e6);
    if (args->json) {
      nlohmann::json j = {{"model", args->model},
                          {"threads", session.threads()},
                          {"file_bytes", model->file_bytes()},
                          {"weight_bytes", model->weight_bytes()},
                          {"arena_bytes", model->arena_bytes()},
                          {"macs", macs},
                          {"t_load_verified_ms", stats_json(lv)},
                          {"t_load_unverified_ms", stats_json(lf)},
                          {"t_session_setup_ms", stats_json(ss)},
                          {"t_first_run_ms", first_run},
                          {"t_compute_ms", stats_json(tc)},
                          {"load_ms_per_mb_verified", lv.median / mb},
                          {"gflops", gflops},
                          {"peak_rss_bytes", static_cast<int64_t>(ru.ru_maxrss) * 1024}};
      if (!peak.empty()) {
        double p = best_fp32_gflops(peak, session.threads());
        j["fp32_peak_gflops"] = p;
        j["percent_of_fp32_peak"] = p > 0 ? 100 * gflops / p : 0;
        for (const auto& pr : peak) j["peak"].push_back({{"kind", pr.kind}, {"isa", pr.isa}, {"threads", pr.threads}, {"gops", pr.gops}});
      }
      std::printf("%s\n", j.dump(2).c_str());
      return;
    }
    std::printf("bench %s: %s, %.3f GMAC, %d threads\n", args->model.c_str(),
                format_bytes(static_cast<double>(model->file_bytes())).c_str(), macs / 1e9, session.threads());
    print_stats("T_load (map+parse+verify)", lv);
    print_stats("T_load (no weight hash)", lf);
    print_stats("session setup", ss);
    std::printf("  %-30s %9.3f ms\n", "first run", first_run);
    print_stats("T_compute", tc);
    std::printf("  load: %.4f ms per MB verified, %.4f ms per MB unverified\n", lv.median / mb, lf.median / mb);
    std::printf("  %.2f GFLOP/s at the median; arena %s, weights %s, peak RSS %s\n", gflops,
                format_bytes(static_cast<double>(model->arena_bytes())).c_str(),
                format_bytes(static_cast<double>(model->weight_bytes())).c_str(),
                format_bytes(static_cast<double>(ru.ru_maxrss) * 1024).c_str());
    if (!peak.empty()) {
      double p = best_fp32_gflops(peak, session.threads());
      std::printf("  %.1f%% of this machine's FP32 peak at %d threads (%.1f GFLOP/s)\n", p > 0 ? 100 * gflops / p : 0,
                  session.threads(), p);
    }
  });
}

}  // namespace edgewm::cli
