#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli.h"
#include "compiler/compile.h"
#include "format/ewm_writer.h"
#include "passes/pass_registry.h"

namespace edgewm::cli {

void add_compile_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("compile", "Compile an ONNX model into an .ewm model file");
  struct Args {
    std::string input, output;
    CompileFlags flags;
    bool list_passes = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("model", args->input, "ONNX model (.onnx); external-data files are read from its folder");
  cmd->add_flag("--list-passes", args->list_passes, "List the graph passes (name, targets, what each matches) and exit");
  auto* output = cmd->add_option("-o,--output", args->output,
                                 "Output .ewm file (default: the model's name with .ewm); replaced atomically, and only "
                                 "if it is a regular file");
  args->flags.add_to(*cmd);
  cmd->callback([args, output] {
    if (args->list_passes) {
      for (const GraphPass& p : graph_passes()) {
        std::string targets;
        for (const auto& t : p.targets) targets += (targets.empty() ? "" : ",") + t;
        std::printf("%-28s %-5s %s\n", p.name.c_str(), targets.c_str(), p.matches.c_str());
      }
      return;
    }
    if (args->input.empty()) throw Error(ErrorKind::kInvalidArgument, "compile: give an ONNX model (or --list-passes)");
    if (output->count() > 0 && args->output.empty())
      throw Error(ErrorKind::kInvalidArgument, "compile: -o/--output is empty");
    auto t0 = std::chrono::steady_clock::now();
    CompileOptions options = args->flags.options();
    CompiledModel m = compile_onnx_file(args->input, options);
    std::vector<uint8_t> bytes = m.serialize();
    std::string out = args->output.empty()
                          ? std::filesystem::path(args->input).replace_extension(".ewm").string()
                          : args->output;
    write_ewm_file(out, bytes);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    int64_t weights = 0;
    for (const Value& v : m.graph.values)
      if (v.is_constant()) weights += static_cast<int64_t>(v.nbytes());
    std::printf("compiled %s -> %s in %.0f ms\n", args->input.c_str(), out.c_str(), ms);
    std::printf("  nodes: %d imported, %d folded at compile time, %zu to run\n", m.imported_nodes,
                m.stats.folded_nodes, m.graph.nodes.size());
    std::string fused;
    for (const auto& [pass, count] : m.fusions)
      if (count) fused += (fused.empty() ? "" : ", ") + std::to_string(count) + " " + pass;
    if (!fused.empty()) std::printf("  fusion: %s\n", fused.c_str());
    std::printf("  arena: %s (lower bound: %s live at once)\n", format_bytes(static_cast<double>(m.plan.arena_bytes)).c_str(),
                format_bytes(static_cast<double>(m.peak_live_bytes)).c_str());
    std::printf("  weights: %s, file: %s\n", format_bytes(static_cast<double>(weights)).c_str(),
                format_bytes(static_cast<double>(bytes.size())).c_str());
    for (ValueId id : m.graph.inputs)
      std::printf("  input  %s: %s[%s]\n", m.graph.value(id).name.c_str(), dtype_name(m.graph.value(id).dtype),
                  m.graph.value(id).shape.str().c_str());
    for (ValueId id : m.graph.outputs)
      std::printf("  output %s: %s[%s]\n", m.graph.value(id).name.c_str(), dtype_name(m.graph.value(id).dtype),
                  m.graph.value(id).shape.str().c_str());
  });
}

}  // namespace edgewm::cli
