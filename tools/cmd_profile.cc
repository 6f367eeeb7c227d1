// `edgewm profile`: where a run's time goes, per node and per op type, plus a Chrome/Perfetto trace.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "edgewm/session.h"
#include "runtime/cost_model.h"
#include "runtime/latency_stats.h"
#include "runtime/model_data.h"
#include "text_out.h"

namespace edgewm::cli {

void add_profile_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("profile", "Per-node and per-op-type time of a model's run, and a Chrome/Perfetto trace");
  struct Args {
    std::string model, trace;
    int threads = 0, runs = 20, warmup = 3, top = 15;
    std::vector<std::string> memoize;
    bool json = false;
    CompileFlags flags;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("model", args->model, ".ewm model, or an ONNX model to compile in memory")->required();
  cmd->add_option("-t,--threads", args->threads, "Threads (default: physical cores)");
  cmd->add_option("--runs", args->runs, "Profiled runs; per-node figures are medians (default 20)")->check(CLI::PositiveNumber);
  cmd->add_option("--warmup", args->warmup, "Unprofiled runs first (default 3)");
  cmd->add_option("--memoize", args->memoize,
                  "Input whose value repeats (e.g. a sampler's noise level): nodes depending only on such inputs "
                  "run once and are replayed (repeatable)");
  cmd->add_option("--top", args->top, "Slowest nodes to list (default 15)");
  cmd->add_option("--trace", args->trace, "Write the last run as Chrome trace JSON (chrome://tracing, ui.perfetto.dev)");
  cmd->add_flag("--json", args->json, "Print JSON");
  args->flags.add_to(*cmd);
  cmd->callback([args] {
    auto model = open_model(args->model, args->flags);
    SessionOptions session_options;
    session_options.threads = args->threads;
    session_options.memoize_inputs = args->memoize;
    Session session(model, session_options);
    const Graph& g = model->data().parsed.graph;
    std::vector<NodeKernel> kernels = session.kernels();
    const std::vector<Tensor> ins = synthetic_inputs(*model);
    std::vector<TensorView> views;
    for (const auto& t : ins) views.push_back(t.view());
    for (int i = 0; i < args->warmup; ++i) session.run(views);

    const size_t n = g.nodes.size();
    std::vector<std::vector<double>> node_ms(n);
    std::vector<std::pair<int64_t, int64_t>> last(n);  // start, duration of the last run
    std::vector<double> run_ms;
    session.set_node_observer([&](size_t k, int64_t start, int64_t ns) {
      node_ms[k].push_back(static_cast<double>(ns) / 1e6);
      last[k] = {start, ns};
    });
    for (int r = 0; r < args->runs; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      session.run(views);
      run_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    session.set_node_observer({});

    struct Row {
      size_t node;
      double ms;
      int64_t macs;
    };
    std::vector<Row> rows;
    std::map<std::string, std::tuple<int, double, int64_t>> by_op;  // count, ms, macs
    double total = 0;
    for (size_t k = 0; k < n; ++k) {
      double ms = percentile(node_ms[k], 50);
      int64_t macs = node_macs(g.nodes[k], g);
      rows.push_back({k, ms, macs});
      auto& [count, op_ms, op_macs] = by_op[g.nodes[k].op_type];
      ++count;
      op_ms += ms;
      op_macs += macs;
      total += ms;
    }
    const double run_median = percentile(run_ms, 50);
    if (!args->trace.empty()) {
      nlohmann::json events = nlohmann::json::array();
      int64_t origin = n ? last[0].first : 0;
      for (size_t k = 0; k < n; ++k)
        events.push_back({{"name", g.nodes[k].name}, {"cat", g.nodes[k].op_type}, {"ph", "X"}, {"pid", 0}, {"tid", 0},
                          {"ts", static_cast<double>(last[k].first - origin) / 1e3},
                          {"dur", static_cast<double>(last[k].second) / 1e3},
                          {"args", {{"kernel", kernels[k].kernel}, {"macs", node_macs(g.nodes[k], g)}}}});
      std::ofstream f(args->trace);
      if (!f) throw Error(ErrorKind::kIo, "cannot write " + args->trace);
      f << json_text(nlohmann::json{{"traceEvents", events}, {"displayTimeUnit", "ms"}}, -1);
    }
    if (args->json) {
      nlohmann::json j = {{"model", args->model}, {"threads", session.threads()}, {"runs", args->runs},
                          {"run_median_ms", run_median}, {"node_sum_ms", total}};
      for (const auto& [op, v] : by_op)
        j["ops"][op] = {{"count", std::get<0>(v)}, {"ms", std::get<1>(v)}, {"macs", std::get<2>(v)}};
      for (const Row& r : rows)
        j["nodes"].push_back({{"name", g.nodes[r.node].name}, {"op", g.nodes[r.node].op_type},
                              {"kernel", kernels[r.node].kernel}, {"ms", r.ms}, {"macs", r.macs}});
      std::printf("%s\n", json_text(j).c_str());
      return;
    }
    std::printf("profile %s: %d threads, %d runs, run median %.3f ms (nodes sum %.3f ms)\n\n", args->model.c_str(),
                session.threads(), args->runs, run_median, total);
    std::vector<std::pair<std::string, std::tuple<int, double, int64_t>>> ops(by_op.begin(), by_op.end());
    std::sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) { return std::get<1>(a.second) > std::get<1>(b.second); });
    std::printf("  %-24s %6s %10s %7s %10s\n", "op", "count", "ms", "%", "GFLOP/s");
    for (const auto& [op, v] : ops) {
      double ms = std::get<1>(v);
      double gf = ms > 0 ? 2.0 * static_cast<double>(std::get<2>(v)) / (ms * 1e6) : 0;
      std::printf("  %-24s %6d %10.3f %6.1f%% %10.2f\n", op.c_str(), std::get<0>(v), ms, total > 0 ? 100 * ms / total : 0, gf);
    }
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.ms > b.ms; });
    std::printf("\n  slowest nodes\n  %-40s %-16s %-10s %10s %10s\n", "node", "op", "kernel", "ms", "GFLOP/s");
    for (size_t i = 0; i < rows.size() && static_cast<int>(i) < args->top; ++i) {
      const Row& r = rows[i];
      double gf = r.ms > 0 ? 2.0 * static_cast<double>(r.macs) / (r.ms * 1e6) : 0;
      std::printf("  %-40s %-16s %-10s %10.3f %10.2f\n", g.nodes[r.node].name.substr(0, 40).c_str(),
                  g.nodes[r.node].op_type.c_str(), kernels[r.node].kernel.c_str(), r.ms, gf);
    }
    if (!args->trace.empty()) std::printf("\n  trace: %s\n", args->trace.c_str());
  });
}

}  // namespace edgewm::cli
