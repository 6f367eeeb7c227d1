#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "ir/op_registry.h"
#include "runtime/cost_model.h"
#include "runtime/model_data.h"
#include "text_out.h"

namespace edgewm::cli {

namespace {
// Metadata keys the fuse-qdq pass writes: why an op the quantiser meant to be integer stays float.
constexpr const char* kFloatNote = "quant.float.";
}  // namespace

namespace {

struct NodeRow {
  std::string name, op, kernel, out;
  int64_t macs = 0;
  std::string best;  // this build's best kernel, when the plan's scratch keeps the node off it
};

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "Show a model: inputs, outputs, ops, parameters, MACs, arena, kernels");
  struct Args {
    std::string model;
    bool json = false, nodes = true;
    CompileFlags flags;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("model", args->model, ".ewm model, or an ONNX model to compile in memory")->required();
  cmd->add_flag("--json", args->json, "Print JSON instead of tables");
  cmd->add_flag("!--no-nodes", args->nodes, "Omit the per-node table");
  args->flags.add_to(*cmd);
  cmd->callback([args] {
    auto model = open_model(args->model, args->flags);
    const ParsedModel& pm = model->data().parsed;
    const Graph& g = pm.graph;
    int64_t params = 0, total_macs = 0;
    for (const Value& v : g.values) {
      // Float and quantised (8/16-bit) weights; i32/i64 constants are shapes, indices, biases.
      const bool quantised = v.dtype == DType::kI8 || v.dtype == DType::kU8 || v.dtype == DType::kI16 || v.dtype == DType::kU16;
      if (v.is_constant() && (dtype_is_float(v.dtype) || quantised)) params += v.shape.numel();
    }
    std::vector<NodeRow> rows;
    std::map<std::string, std::pair<int, int64_t>> by_op;  // count, macs
    int held_back = 0;  // nodes whose planned scratch keeps them off this build's best kernel
    for (size_t k = 0; k < g.nodes.size(); ++k) {
      const Node& n = g.nodes[k];
      // What a session runs: the best kernel that fits the scratch the model was planned with.
      const std::string& runs = model->data().ops->select(n, g, static_cast<size_t>(pm.plan.scratch_bytes[k])).name;
      const std::string& best = model->data().ops->select(n, g).name;
      NodeRow r{n.name, n.op_type, runs, "", node_macs(n, g), runs != best ? best : ""};
      held_back += runs != best;
      if (!n.outputs.empty() && n.outputs[0] != kNoValue)
        r.out = std::string(dtype_name(g.value(n.outputs[0]).dtype)) + "[" + g.value(n.outputs[0]).shape.str() + "]";
      total_macs += r.macs;
      by_op[n.op_type].first++;
      by_op[n.op_type].second += r.macs;
      rows.push_back(r);
    }
    if (args->json) {
      nlohmann::json j;
      j["file_bytes"] = model->file_bytes();
      j["weight_bytes"] = model->weight_bytes();
      j["arena_bytes"] = model->arena_bytes();
      j["parameters"] = params;
      j["macs"] = total_macs;
      j["metadata"] = model->metadata();
      for (const auto& [k, v] : model->metadata())
        if (k.rfind(kFloatNote, 0) == 0) j["quantised_ops_left_float"][k.substr(std::strlen(kFloatNote))] = v;
      for (const auto& t : model->inputs()) j["inputs"].push_back({{"name", t.name}, {"dtype", dtype_name(t.dtype)}, {"shape", std::vector<int64_t>(t.shape.dims().begin(), t.shape.dims().end())}});
      for (const auto& t : model->outputs()) j["outputs"].push_back({{"name", t.name}, {"dtype", dtype_name(t.dtype)}, {"shape", std::vector<int64_t>(t.shape.dims().begin(), t.shape.dims().end())}});
      for (const auto& [op, cm] : by_op) j["ops"][op] = {{"count", cm.first}, {"macs", cm.second}};
      if (args->nodes)
        for (const auto& r : rows) {
          j["nodes"].push_back({{"name", r.name}, {"op", r.op}, {"kernel", r.kernel}, {"output", r.out}, {"macs", r.macs}});
          if (!r.best.empty()) j["nodes"].back()["best_kernel"] = r.best;
        }
      j["nodes_held_back"] = held_back;
      std::printf("%s\n", json_text(j).c_str());
      return;
    }
    std::printf("model %s\n", args->model.c_str());
    std::printf("  file %s, weights %s, arena %s\n", format_bytes(static_cast<double>(model->file_bytes())).c_str(),
                format_bytes(static_cast<double>(model->weight_bytes())).c_str(),
                format_bytes(static_cast<double>(model->arena_bytes())).c_str());
    std::printf("  %lld parameters, %.3f GMAC per run, %zu nodes\n", static_cast<long long>(params), total_macs / 1e9,
                g.nodes.size());
    int integer_nodes = 0;
    for (const NodeRow& r : rows) integer_nodes += r.op.rfind("QLinear", 0) == 0 || r.op.find("Integer") != std::string::npos;
    std::vector<std::pair<std::string, std::string>> left_float;  // the fuse-qdq pass's notes
    for (const auto& [k, v] : model->metadata()) {
      if (k.rfind(kFloatNote, 0) == 0) {
        left_float.emplace_back(k.substr(std::strlen(kFloatNote)), v);
        continue;
      }
      std::printf("  meta %s = %s\n", printable(k).c_str(), printable(v).c_str());
    }
    if (integer_nodes || !left_float.empty())
      std::printf("  integer: %d node(s); %zu quantised op(s) left float%s\n", integer_nodes, left_float.size(),
                  left_float.empty() ? "" : ":");
    for (const auto& [node, why] : left_float) std::printf("    %s: %s\n", printable(node).c_str(), printable(why).c_str());
    for (const auto& t : model->inputs())
      std::printf("  input  %s: %s[%s]\n", printable(t.name).c_str(), dtype_name(t.dtype), t.shape.str().c_str());
    for (const auto& t : model->outputs())
      std::printf("  output %s: %s[%s]\n", printable(t.name).c_str(), dtype_name(t.dtype), t.shape.str().c_str());
    std::printf("\n  %-24s %6s %12s\n", "op", "count", "MMAC");
    for (const auto& [op, cm] : by_op) std::printf("  %-24s %6d %12.2f\n", op.c_str(), cm.first, cm.second / 1e6);
    if (held_back)
      std::printf("\n  warning: %d node(s) run a slower kernel than this build has (marked *): the model was planned "
                  "with less scratch than those kernels need; recompile it with this edgewm\n", held_back);
    if (!args->nodes) return;
    std::printf("\n  %-4s %-40s %-20s %-10s %-24s %10s\n", "#", "node", "op", "kernel", "output", "MMAC");
    for (size_t i = 0; i < rows.size(); ++i)
      std::printf("  %-4zu %-40s %-20s %-10s %-24s %10.2f%s\n", i, printable(rows[i].name).substr(0, 40).c_str(), rows[i].op.c_str(),
                  rows[i].kernel.c_str(), rows[i].out.c_str(), rows[i].macs / 1e6,
                  rows[i].best.empty() ? "" : ("  * " + rows[i].best + " needs more scratch").c_str());
  });
}

}  // namespace edgewm::cli
