#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "cli.h"
#include "edgewm/session.h"
#include "io/npy.h"
#include "onnx/tensor_proto.h"

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
    std::vector<std::string> inputs;
    int threads = 0;
    CompileFlags flags;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("model", args->model, ".ewm model, or an ONNX model to compile in memory")->required();
  cmd->add_option("-i,--input", args->inputs, "name=file.npy|file.pb for each model input");
  cmd->add_option("--output-dir", args->output_dir, "Write each output as DIR/<name>.npy (or .pb)");
  cmd->add_option("--format", args->format, "Output file format")->check(CLI::IsMember({"npy", "pb"}));
  cmd->add_option("-t,--threads", args->threads, "Threads (default: physical cores)");
  args->flags.add_to(*cmd);
  cmd->callback([args] {
    auto model = open_model(args->model, args->flags);
    Session session(model, SessionOptions{args->threads});
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
    for (size_t i = 0; i < given.size(); ++i)
      if (!given[i])
        throw Error(ErrorKind::kInvalidArgument, "missing --input " + model->inputs()[i].name + "=FILE (" +
                                                     dtype_name(model->inputs()[i].dtype) + "[" +
                                                     model->inputs()[i].shape.str() + "])");
    std::vector<TensorView> views;
    for (const auto& t : tensors) views.push_back(t.view());
    auto t0 = std::chrono::steady_clock::now();
    auto outs = session.run(views);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("ran %s in %.2f ms (%d threads)\n", args->model.c_str(), ms, session.threads());
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
      if (args->format == "npy") save_npy(outs[i], path.string());
      else save_tensor_pb(outs[i], name, path.string());
    }
  });
}

}  // namespace edgewm::cli
