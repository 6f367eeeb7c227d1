// The tool services of a full build: ONNX compiled on the fly, .pb tensors, PNG images.
#include <filesystem>

#include "cli.h"
#include "compiler/compile.h"
#include "io/npy.h"
#include "media/png.h"
#include "onnx/tensor_proto.h"

namespace edgewm::cli {

Tensor load_tensor_file(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".npy") return load_npy(path);
  if (ext == ".pb") return load_tensor_pb(path);
  throw Error(ErrorKind::kInvalidArgument, path + ": unknown tensor file type (use .npy or .pb)");
}

void save_tensor_file(const TensorView& t, const std::string& name, const std::string& path) {
  if (std::filesystem::path(path).extension() == ".pb") save_tensor_pb(t, name, path);
  else save_npy(t, path);
}

Image read_png_file(const std::string& path) { return read_png(path); }
void write_png_file(const std::string& path, const Image& image) { write_png(path, image); }

CompileOptions CompileFlags::options() const {
  CompileOptions o;
  for (const auto& s : input_shapes) {
    auto [name, shape] = split_assignment(s, "--input-shape");
    o.import.input_shapes[name] = parse_shape(shape);
  }
  for (const auto& s : input_values) {
    auto [name, file] = split_assignment(s, "--input-value");
    o.import.input_values[name] = load_tensor_file(file);
  }
  if (batch > 0) {
    o.import.default_batch = batch;
    o.import.required_batch = batch;
  }
  for (const auto& kv : meta) {
    auto [k, v] = split_assignment(kv, "--meta");
    o.metadata[k] = v;
  }
  o.disabled_passes.insert(no_pass.begin(), no_pass.end());
  o.fold_constants = !no_fold;
  o.fuse = !no_fuse;
  return o;
}

std::shared_ptr<const Model> open_model(const std::string& path, const CompileFlags& flags) {
  if (std::filesystem::path(path).extension() == ".ewm") return Model::load(path);
  return Model::from_bytes(compile_onnx_bytes(path, flags), {}, path);
}

std::vector<uint8_t> compile_onnx_bytes(const std::string& path, const CompileFlags& flags) {
  return compile_onnx_file(path, flags.options()).serialize();
}

}  // namespace edgewm::cli
