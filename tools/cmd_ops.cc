#include <cstdio>

#include "cli.h"
#include "ir/op_registry.h"

namespace edgewm::cli {

void add_ops_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("ops", "List the ONNX op types this build supports, with their kernels");
  cmd->callback([] {
    const OpRegistry& r = OpRegistry::global();
    std::vector<std::string> types = r.op_types();
    for (const std::string& t : types) {
      const OpSchema* s = r.find(t);
      std::string kernels;
      for (const KernelDef& k : s->kernels) kernels += (kernels.empty() ? "" : ", ") + k.name;
      std::printf("%-28s %s\n", t.c_str(), kernels.c_str());
    }
    std::printf("%zu op types\n", types.size());
  });
}

}  // namespace edgewm::cli
