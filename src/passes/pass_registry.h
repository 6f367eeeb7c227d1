#pragma once
// Every graph pass the compiler can run, in the order it runs them: its name (what
// `--no-pass NAME` and CompileOptions::disabled_passes take), what it matches, and which targets
// it applies to. Adding a pass: its file under passes/, one row in pass_registry.cc, its tests.
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace edgewm {

struct GraphPass {
  std::string name;     // kebab-case, stable: scripts name it
  std::string matches;  // one line for `edgewm compile --list-passes`
  std::vector<std::string> targets;  // backends whose kernels it produces ops for ("cpu")
  int (*run)(Graph& g) = nullptr;    // returns the number of rewrites; null: not a graph rewrite
  std::string report;                // the line `edgewm compile` prints its count under
};

// The fusion and clean-up passes (fuse.h), then "concat-in-place", which is no rewrite but the
// memory planner's choice to place a Concat's inputs inside its output (run = null).
const std::vector<GraphPass>& graph_passes();
// The pass of that name, or null.
const GraphPass* find_pass(const std::string& name);

struct PassSelection {
  std::string target = "cpu";
  std::set<std::string> disabled;  // names from graph_passes(); an unknown one is an error
  bool enabled(const GraphPass& p) const;
};

// Runs the selected rewrite passes in registry order; throws kInvalidArgument naming an unknown
// disabled pass (with the list of known ones). Returns (report line, rewrites) per pass run.
std::vector<std::pair<std::string, int>> run_graph_passes(Graph& g, const PassSelection& selection);

}  // namespace edgewm
