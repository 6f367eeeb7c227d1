#include "edgewm/model.h"

#include <cstring>

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

}  // namespace

Model::Model() : d_(std::make_unique<detail::ModelData>()) {}
Model::~Model() = default;

std::shared_ptr<const Model> Model::load(const std::string& path, const LoadOptions& options) {
  std::shared_ptr<Model> m(new Model());
  m->d_->file = std::make_unique<MappedFile>(path);
  m->d_->ops = options.ops ? options.ops : &builtin_ops();
  m->d_->parsed = parse_ewm(m->d_->file->data(), m->d_->file->size(), options.verify_weights, path, *m->d_->ops);
  finish(*m->d_);
  return m;
}

std::shared_ptr<const Model> Model::from_bytes(std::vector<uint8_t> bytes, const LoadOptions& options,
                                               const std::string& what) {
  std::shared_ptr<Model> m(new Model());
  // A vector's buffer is only 16-byte aligned; copy into 64-byte aligned storage so constants
  // keep the alignment the file promises.
  m->d_->owned.resize(bytes.size() + ewm::kDataAlignment);
  auto addr = reinterpret_cast<uintptr_t>(m->d_->owned.data());
  size_t shift = (ewm::kDataAlignment - addr % ewm::kDataAlignment) % ewm::kDataAlignment;
  uint8_t* base = m->d_->owned.data() + shift;
  if (!bytes.empty()) std::memcpy(base, bytes.data(), bytes.size());
  m->d_->ops = options.ops ? options.ops : &builtin_ops();
  m->d_->parsed = parse_ewm(base, bytes.size(), options.verify_weights, what, *m->d_->ops);
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
