#include <cstdio>

#include "cli.h"
#include "ir/op_registry.h"
#include "kernels/register_ops.h"

namespace edgewm::cli {

void add_ops_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "ops", "List the op types this build supports, with their kernels (ONNX ops, and edgewm.* ops that fusion makes)");
  cmd->callback([] {
    const OpRegistry& r = builtin_ops();
    std::vector<std::string> types = r.op_types();
    int own = 0;
    for (const std::string& t : types) {
      const size_t dot = t.rfind('.');
      const bool ours = dot != std::string::npos && t.compare(0, dot, "edgewm") == 0;
      own += ours;
      const OpSchema* s = ours ? r.find(t.substr(dot + 1), "edgewm") : r.find(t);
      if (!s) continue;
      std::string kernels;
      for (const KernelDef& k : s->kernels) kernels += (kernels.empty() ? "" : ", ") + k.name;
      std::printf("%-28s %s\n", t.c_str(), kernels.c_str());
    }
    std::printf("%zu op types (%zu ONNX, %d edgewm fusion ops)\n", types.size(), types.size() - own, own);
  });
}

}  // namespace edgewm::cli
