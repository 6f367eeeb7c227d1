// The tool services of the runtime-only build (EDGEWM_RUNTIME_ONLY): .ewm files and .npy tensors;
// everything that needs protobuf or libpng says which build it takes.
#include <filesystem>

#include "cli.h"
#include "io/npy.h"

namespace edgewm::cli {

namespace {
[[noreturn]] void needs_full_build(const std::string& what) {
  throw Error(ErrorKind::kUnsupported, what + ": " + kRuntimeOnlyNote);
}
}  // namespace

Tensor load_tensor_file(const std::string& path) {
  if (std::filesystem::path(path).extension() == ".npy") return load_npy(path);
  needs_full_build(path + ": only .npy tensors can be read");
}

void save_tensor_file(const TensorView& t, const std::string&, const std::string& path) {
  if (std::filesystem::path(path).extension() == ".npy") return save_npy(t, path);
  needs_full_build(path + ": only .npy tensors can be written");
}

Image read_png_file(const std::string& path) { needs_full_build(path + ": PNG"); }
void write_png_file(const std::string& path, const Image&) { needs_full_build(path + ": PNG"); }

std::shared_ptr<const Model> open_model(const std::string& path, const CompileFlags&) {
  if (std::filesystem::path(path).extension() == ".ewm") return Model::load(path);
  needs_full_build(path + ": not a .ewm file");
}

std::vector<uint8_t> compile_onnx_bytes(const std::string& path, const CompileFlags&) {
  needs_full_build(path + ": compiling ONNX");
}

}  // namespace edgewm::cli
