#pragma once
// Pieces shared by the `edgewm` subcommands.
#include <CLI/CLI.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edgewm/model.h"
#include "edgewm/world.h"
#include "edgewm/image.h"
#include "edgewm/tensor.h"

namespace edgewm {
struct CompileOptions;
}

namespace edgewm::cli {

// Flag values that must be finite and >= 0 (tolerances, timeouts, budgets): CLI11's
// NonNegativeNumber lets NaN through.
inline const CLI::Validator kFiniteNonNegative(
    [](std::string& v) -> std::string {
      double d = 0;
      try {
        size_t used = 0;
        d = std::stod(v, &used);
        if (used != v.size()) return "'" + v + "' is not a number";
      } catch (const std::exception&) {
        return "'" + v + "' is not a number";
      }
      if (!(d >= 0) || d > 1e300) return "'" + v + "' must be a finite number >= 0";
      return "";
    },
    "NUMBER >= 0");

// Seeds and counts given as integers >= 0 (an unsigned flag would take -1 as 2^64 - 1).
inline const CLI::Validator kNonNegativeInteger(
    [](std::string& v) -> std::string {
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos)
        return "'" + v + "' must be an integer >= 0";
      return "";
    },
    "INTEGER >= 0");

// "1x3x32x32" -> Shape; "scalar" or "" -> rank 0.
Shape parse_shape(const std::string& text);
// "name=VALUE" -> {name, VALUE}; throws naming the flag.
std::pair<std::string, std::string> split_assignment(const std::string& text, const std::string& flag);
// What needs the tools-side libraries: the ONNX compiler (protobuf) and libpng. A runtime-only
// build (EDGEWM_RUNTIME_ONLY, cli_runtime_only.cc) has them refuse with an error saying so;
// cli_compile.cc implements them.
inline constexpr const char* kRuntimeOnlyNote =
    "this edgewm is the runtime-only build (EDGEWM_RUNTIME_ONLY): it runs .ewm files; compile models, read "
    ".pb tensors and PNG images with a full build";
// A tensor from .npy or .pb (ONNX TensorProto), by extension.
Tensor load_tensor_file(const std::string& path);
// Writes .npy or .pb (`name` is the TensorProto's name).
void save_tensor_file(const TensorView& t, const std::string& name, const std::string& path);
Image read_png_file(const std::string& path);
void write_png_file(const std::string& path, const Image& image);

// Flags every command that may compile an ONNX model on the fly accepts.
struct CompileFlags {
  std::vector<std::string> input_shapes;  // name=1x3x32x32
  std::vector<std::string> input_values;  // name=file.npy|.pb
  std::vector<std::string> meta;          // key=value
  std::vector<std::string> no_pass;       // graph passes to leave out
  int64_t batch = 0;  // 0: the model's own batch (1 where dynamic)
  bool no_fold = false, no_fuse = false;
  void add_to(CLI::App& app);
  CompileOptions options() const;
};

// The world-model sampling flags (--steps, --sampler, --early-exit, --warm-start, --budget-ms,
// --threads) shared by demo, rollout and play.
void add_world_model_flags(CLI::App& app, WorldModelOptions& options);

// Opens a model: .ewm is mapped; anything else is compiled from ONNX in memory.
std::shared_ptr<const Model> open_model(const std::string& path, const CompileFlags& flags);
// An ONNX file compiled to .ewm bytes.
std::vector<uint8_t> compile_onnx_bytes(const std::string& path, const CompileFlags& flags);

// Deterministic inputs for timing (bench, profile): floats uniform in [-1, 1] (zeros would send
// a diffusion model's log(sigma) to -inf and time NaN paths), integers 0 (valid indices/actions).
std::vector<Tensor> synthetic_inputs(const Model& m);

// Human-readable sizes: "1.5 MiB".
std::string format_bytes(double bytes);

// Subcommand registration.
void add_compile_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_onnx_test_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_ops_command(CLI::App& app);
void add_profile_command(CLI::App& app);
void add_dataset_command(CLI::App& app);
void add_rollout_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_sample_command(CLI::App& app);
void add_play_command(CLI::App& app);

}  // namespace edgewm::cli
