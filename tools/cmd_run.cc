#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "cli.h"
#include "edgewm/session.h"
#include "io/compare.h"
#include "io/npy.h"

namespace edgewm::cli {

namespace {

void print_stats(const std::string& name, const TensorView& t) {
  if (t.dtype != DType::kF32 || t.numel() == 0) {
    std::printf("  %s: %s\n", name.c_str(), describe(t).c_str());
    return;
  }
  const float* p = static_cast<const float*>(t.data);
  double lo = p[0], hi = p[0], sum = 0;
  for (int64_t i = 0; i < t.numel(); ++i) {
    lo = std::min<double>(lo, p[i]);
    hi = std::max<double>(hi, p[i]);
    sum += p[i];
  }
  std::printf("  %s: %s min %.5g max %.5g mean %.5g\n", name.c_str(), describe(t).c_str(), lo, hi, sum / t.numel());
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Run a model on inputs from .npy/.pb files and save its outputs");
  struct Args {
    std::string model, output_dir, format = "npy";
    std::vector<std::string> inputs, expects;
    std::string test_data;
    int threads = 0, repeat = 1;
    Tolerance tol;
    CompileFlags flags;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("model", args->model, ".ewm model, or an ONNX model to compile in memory")->required();
  cmd->add_option("-i,--input", args->inputs, "name=file.npy|file.pb for each model input");
  cmd->add_option("--output-dir", args->output_dir, "Write each output as DIR/<name>.npy (or .pb)");
  cmd->add_option("--format", args->format, "Output file format")->check(CLI::IsMember({"npy", "pb"}));
  cmd->add_option("-t,--threads", args->threads, "Threads (default: physical cores)");
  cmd->add_option("--expect", args->expects, "name=file.npy|file.pb: compare that output with a reference; "
                                              "exit non-zero if it differs");
  cmd->add_option("--test-data", args->test_data,
                  "An ONNX test_data_set folder: input_K.pb feed the inputs in order, output_K.pb are expected");
  cmd->add_option("--rtol", args->tol.rtol, "Relative tolerance for --expect (default 1e-3)")->check(kFiniteNonNegative);
  cmd->add_option("--atol", args->tol.atol, "Absolute tolerance for --expect (default 1e-4)")->check(kFiniteNonNegative);
  cmd->add_option("--repeat", args->repeat, "Run N times and report min/median/max latency")->check(CLI::PositiveNumber);
  args->flags.add_to(*cmd);
  cmd->callback([args] {
    auto t_load = std::chrono::steady_clock::now();
    auto model = open_model(args->model, args->flags);
    double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_load).count();
    Session session(model, SessionOptions{args->threads});
    std::printf("loaded %s in %.3f ms (%s)\n", args->model.c_str(), load_ms,
                std::filesystem::path(args->model).extension() == ".ewm" ? "mapped" : "compiled from ONNX");
    std::vector<Tensor> tensors(model->inputs().size());
    std::vector<bool> given(tensors.size(), false);
    for (const auto& s : args->inputs) {
      auto [name, file] = split_assignment(s, "--input");
      int idx = session.input_index(name);
      if (idx < 0) {
        std::string names;
        for (const auto& t : model->inputs()) names += " " + t.name;
        throw Error(ErrorKind::kInvalidArgument, "model has no input '" + name + "'; its inputs are:" + names);
      }
      tensors[static_cast<size_t>(idx)] = load_tensor_file(file);
      given[static_cast<size_t>(idx)] = true;
    }
    std::vector<std::pair<size_t, std::string>> expected_files;  // output index, file
    if (!args->test_data.empty()) {
      for (size_t k = 0; k < tensors.size(); ++k) {
        auto f = std::filesystem::path(args->test_data) / ("input_" + std::to_string(k) + ".pb");
        if (given[k] || !std::filesystem::exists(f)) continue;
        tensors[k] = load_tensor_file(f.string());
        given[k] = true;
      }
      for (size_t k = 0; k < model->outputs().size(); ++k) {
        auto f = std::filesystem::path(args->test_data) / ("output_" + std::to_string(k) + ".pb");
        if (std::filesystem::exists(f)) expected_files.emplace_back(k, f.string());
      }
    }
    for (const auto& e : args->expects) {
      auto [name, file] = split_assignment(e, "--expect");
      int idx = session.output_index(name);
      if (idx < 0) throw Error(ErrorKind::kInvalidArgument, "--expect: model has no output '" + name + "'");
      expected_files.emplace_back(static_cast<size_t>(idx), file);
    }
    for (size_t i = 0; i < given.size(); ++i)
      if (!given[i])
        throw Error(ErrorKind::kInvalidArgument, "missing --input " + model->inputs()[i].name + "=FILE (" +
                                                     dtype_name(model->inputs()[i].dtype) + "[" +
                                                     model->inputs()[i].shape.str() + "])");
    std::vector<TensorView> views;
    for (const auto& t : tensors) views.push_back(t.view());
    std::vector<double> ms;
    std::span<const TensorView> outs;
    for (int r = 0; r < args->repeat; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      outs = session.run(views);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    if (ms.size() == 1) {
      std::printf("ran in %.2f ms (%d threads)\n", ms[0], session.threads());
    } else {
      // The first run touches the weights' pages; report it apart from the steady state.
      double first = ms[0];
      std::vector<double> steady(ms.begin() + 1, ms.end());
      std::sort(steady.begin(), steady.end());
      std::printf("ran %zu times (%d threads): first %.2f ms; then min %.2f, median %.2f, max %.2f ms\n", ms.size(),
                  session.threads(), first, steady.front(), steady[steady.size() / 2], steady.back());
    }
    if (!args->output_dir.empty()) std::filesystem::create_directories(args->output_dir);
    for (size_t i = 0; i < outs.size(); ++i) {
      const std::string& name = model->outputs()[i].name;
      print_stats(name, outs[i]);
      if (args->output_dir.empty()) continue;
      // Output names may contain '/' or ':' (exporter paths); keep file names flat.
      std::string file = name;
      for (char& c : file)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') c = '_';
      auto path = std::filesystem::path(args->output_dir) / (file + "." + args->format);
      save_tensor_file(outs[i], name, path.string());
    }
    bool all_ok = true;
    for (const auto& [idx, file] : expected_files) {
      const std::string& name = model->outputs()[idx].name;
      Tensor want = load_tensor_file(file);
      Comparison c = compare_tensors(outs[idx], want.view(), args->tol);
      std::printf("  %s %s vs %s: max abs err %.3g, max rel err %.3g%s%s\n", c.ok ? "MATCH" : "MISMATCH", name.c_str(),
                  file.c_str(), c.max_abs_error, c.max_rel_error, c.ok ? "" : ": ", c.reason.c_str());
      all_ok &= c.ok;
    }
    if (!all_ok) throw CLI::RuntimeError(1);
  });
}

}  // namespace edgewm::cli
