#include "edgewm/model.h"

#include <unistd.h>

#include <cstring>
#include <new>

#include "core/regular_file.h"
#include "kernels/register_ops.h"
#include "runtime/model_data.h"

namespace edgewm {

namespace {

std::vector<TensorInfo> infos(const Graph& g, const std::vector<ValueId>& ids) {
  std::vector<TensorInfo> out;
  for (ValueId id : ids) out.push_back({g.value(id).name, g.value(id).dtype, g.value(id).shape});
  return out;
}

void finish(detail::ModelData& d) {
  d.inputs = infos(d.parsed.graph, d.parsed.graph.inputs);
  d.outputs = infos(d.parsed.graph, d.parsed.graph.outputs);
}

// Room for an image of `bytes` in d.owned, at its first 64-byte boundary (a vector's buffer is
// only 16-byte aligned; constants keep the alignment the file promises).
uint8_t* aligned_image(detail::ModelData& d, size_t bytes) {
  try {
    d.owned.reset(new uint8_t[bytes + ewm::kDataAlignment]);  // default-initialised: no memset
  } catch (const std::bad_alloc&) {
    throw Error(ErrorKind::kOutOfMemory, "cannot hold a model of " + std::to_string(bytes) + " bytes in memory");
  }
  const auto addr = reinterpret_cast<uintptr_t>(d.owned.get());
  return d.owned.get() + (ewm::kDataAlignment - addr % ewm::kDataAlignment) % ewm::kDataAlignment;
}

// parse_ewm, with every error naming the file (some come from shared helpers that do not know it).
ParsedModel parse_named(const uint8_t* base, size_t size, bool verify, const std::string& what, const OpRegistry& ops) {
  try {
    return parse_ewm(base, size, verify, what, ops);
  } catch (const Error& e) {
    if (std::string_view(e.what()).substr(0, what.size()) == what) throw;
    throw e.prefixed(what);
  }
}

}  // namespace

Model::Model() : d_(std::make_unique<detail::ModelData>()) {}
Model::~Model() = default;

std::shared_ptr<const Model> Model::load(const std::string& path, const LoadOptions& options) {
  std::shared_ptr<Model> m(new Model());
  m->d_->ops = options.ops ? options.ops : &builtin_ops();
  if (!options.map_file) {
    // Straight into 64-byte aligned private memory: one read, no second copy.
    int64_t size = 0;
    const int fd = open_regular_file(path, &size, "model");
    struct Closer {
      int fd;
      ~Closer() { ::close(fd); }
    } closer{fd};
    uint8_t* base = aligned_image(*m->d_, static_cast<size_t>(size));
    read_exactly(fd, base, static_cast<size_t>(size), path, "model");
    m->d_->source = path;
    m->d_->parsed = parse_named(base, static_cast<size_t>(size), options.verify_weights, path, *m->d_->ops);
    finish(*m->d_);
    return m;
  }
  m->d_->file = std::make_unique<MappedFile>(path);
  m->d_->source = path;
  m->d_->parsed = parse_named(m->d_->file->data(), m->d_->file->size(), options.verify_weights, path, *m->d_->ops);
  finish(*m->d_);
  return m;
}

std::shared_ptr<const Model> Model::from_bytes(std::vector<uint8_t> bytes, const LoadOptions& options,
                                               const std::string& what) {
  std::shared_ptr<Model> m(new Model());
  // A vector's buffer is only 16-byte aligned; copy into 64-byte aligned storage so constants
  // keep the alignment the file promises.
  uint8_t* base = aligned_image(*m->d_, bytes.size());
  m->d_->source = what;
  if (!bytes.empty()) std::memcpy(base, bytes.data(), bytes.size());
  m->d_->ops = options.ops ? options.ops : &builtin_ops();
  m->d_->parsed = parse_named(base, bytes.size(), options.verify_weights, what, *m->d_->ops);
  finish(*m->d_);
  return m;
}

const std::vector<TensorInfo>& Model::inputs() const { return d_->inputs; }
const std::vector<TensorInfo>& Model::outputs() const { return d_->outputs; }
const std::map<std::string, std::string>& Model::metadata() const { return d_->parsed.metadata; }
uint64_t Model::file_bytes() const { return d_->parsed.header.file_bytes; }
uint64_t Model::weight_bytes() const { return d_->parsed.header.data_bytes; }
int64_t Model::arena_bytes() const { return d_->parsed.plan.arena_bytes; }
int Model::num_nodes() const { return static_cast<int>(d_->parsed.graph.nodes.size()); }

}  // namespace edgewm
