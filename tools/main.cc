// edgewm: compile, inspect and run diffusion world models on edge devices.
#include <cstdio>

#include "cli.h"

int main(int argc, char** argv) {
  CLI::App app{"edgewm: run generative world models on edge devices.\n"
               "Compile an ONNX model to a compact .ewm file, inspect, run, benchmark and profile it; record "
               "simulator episodes, evaluate and fly world models, sample diffusion models."};
  app.require_subcommand(1);
#ifdef EDGEWM_WITH_COMPILER
  edgewm::cli::add_compile_command(app);
#endif
  edgewm::cli::add_inspect_command(app);
  edgewm::cli::add_run_command(app);
#ifdef EDGEWM_WITH_COMPILER
  edgewm::cli::add_onnx_test_command(app);
#endif
  edgewm::cli::add_bench_command(app);
  edgewm::cli::add_ops_command(app);
  edgewm::cli::add_profile_command(app);
#ifdef EDGEWM_WITH_COMPILER
  edgewm::cli::add_dataset_command(app);
  edgewm::cli::add_rollout_command(app);
  edgewm::cli::add_demo_command(app);
  edgewm::cli::add_sample_command(app);
  edgewm::cli::add_play_command(app);
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const edgewm::Error& e) {
    std::fprintf(stderr, "edgewm: error (%s): %s\n", edgewm::error_kind_name(e.kind()), e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "edgewm: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
