#include "format/ewm_reader.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <cstring>
#include <limits>

#include "format/byte_io.h"
#include "format/hash.h"
#include "ir/memory_plan.h"
#include "ir/op_registry.h"
#include "ir/shape_inference.h"

namespace edgewm {

namespace {

// Larger dims or byte counts than this can only come from a corrupted file.
constexpr int64_t kMaxBytes = int64_t{1} << 40;

Shape get_shape(ByteReader& r) {
  uint8_t rank = r.get<uint8_t>();
  if (rank > Shape::kMaxRank) r.fail("rank " + std::to_string(rank) + " exceeds " + std::to_string(Shape::kMaxRank));
  Shape s;
  int64_t numel = 1;
  for (int i = 0; i < rank; ++i) {
    int64_t d = r.get<int64_t>();
    if (d < 0 || d > kMaxBytes || (d > 0 && numel > kMaxBytes / d)) r.fail("dimension " + std::to_string(d) + " is invalid");
    numel *= d;
    s.push_back(d);
  }
  return s;
}

DType get_dtype(ByteReader& r) {
  uint8_t raw = r.get<uint8_t>();
  if (!dtype_is_valid(raw)) r.fail("invalid dtype code " + std::to_string(raw));
  return static_cast<DType>(raw);
}

Attribute get_attribute(ByteReader& r) {
  Attribute a;
  a.name = r.get_string();
  uint8_t kind = r.get<uint8_t>();
  if (kind < 1 || kind > 7) r.fail("attribute '" + a.name + "' has invalid kind " + std::to_string(kind));
  a.kind = static_cast<Attribute::Kind>(kind);
  switch (a.kind) {
    case Attribute::Kind::kInt: a.i = r.get<int64_t>(); break;
    case Attribute::Kind::kFloat: a.f = r.get<float>(); break;
    case Attribute::Kind::kString: a.s = r.get_string(); break;
    case Attribute::Kind::kInts: {
      uint32_t n = r.get_count(8);
      for (uint32_t i = 0; i < n; ++i) a.ints.push_back(r.get<int64_t>());
      break;
    }
    case Attribute::Kind::kFloats: {
      uint32_t n = r.get_count(4);
      for (uint32_t i = 0; i < n; ++i) a.floats.push_back(r.get<float>());
      break;
    }
    case Attribute::Kind::kStrings: {
      uint32_t n = r.get_count(4);
      for (uint32_t i = 0; i < n; ++i) a.strings.push_back(r.get_string());
      break;
    }
    case Attribute::Kind::kTensor: {
      DType t = get_dtype(r);
      Shape s = get_shape(r);
      uint64_t nbytes = r.get<uint64_t>();
      if (nbytes != static_cast<uint64_t>(s.numel()) * dtype_size(t)) r.fail("attribute '" + a.name + "' tensor size mismatch");
      const uint8_t* p = r.get_bytes(nbytes);
      a.tensor = std::make_shared<Tensor>(t, s);
      if (nbytes) std::memcpy(a.tensor->data(), p, nbytes);
      break;
    }
  }
  return a;
}

std::string tag_name(uint32_t tag) {
  std::string s = "'";
  for (int i = 0; i < 4; ++i) {
    const char c = static_cast<char>((tag >> (8 * i)) & 0xff);
    s += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return s + "'";
}

ValueId get_value_id(ByteReader& r, size_t num_values, bool allow_none) {
  int32_t id = r.get<int32_t>();
  if (id == kNoValue && allow_none) return id;
  if (id < 0 || static_cast<size_t>(id) >= num_values) r.fail("value id " + std::to_string(id) + " out of range");
  return id;
}

void check_range(const ByteReader& r, int64_t offset, int64_t bytes, int64_t limit, const std::string& what) {
  if (offset < 0 || bytes < 0 || offset > limit || bytes > limit - offset)
    r.fail(what + " [" + std::to_string(offset) + ", +" + std::to_string(bytes) + ") lies outside [0, " +
           std::to_string(limit) + ")");
}

// Every value is defined once, before it is read: no kernel ever sees uninitialised memory.
void check_dataflow(const ByteReader& r, const Graph& g) {
  std::vector<bool> defined(g.values.size(), false);
  for (size_t i = 0; i < g.values.size(); ++i) defined[i] = g.values[i].is_constant();
  for (ValueId v : g.inputs) {
    if (defined[static_cast<size_t>(v)]) r.fail("graph input '" + g.value(v).name + "' is defined twice");
    defined[static_cast<size_t>(v)] = true;
  }
  for (const Node& n : g.nodes) {
    for (ValueId v : n.inputs)
      if (v != kNoValue && !defined[static_cast<size_t>(v)])
        r.fail(Graph::where(n) + " reads '" + g.value(v).name + "' before it is defined");
    for (ValueId v : n.outputs) {
      if (v == kNoValue) continue;
      if (defined[static_cast<size_t>(v)]) r.fail(Graph::where(n) + " redefines '" + g.value(v).name + "'");
      defined[static_cast<size_t>(v)] = true;
    }
  }
  for (ValueId v : g.outputs)
    if (!defined[static_cast<size_t>(v)]) r.fail("graph output '" + g.value(v).name + "' is never defined");
}

// Buffers that are live at the same step must not share bytes: a plan that says otherwise gives
// wrong outputs, not errors. Checked here independently of the planner (passes/plan_memory),
// with its lifetimes: graph inputs from step -1, outputs to step N, every other value over the
// nodes that touch it, scratch at its node. Values that legitimately share bytes: aliases of
// one storage root (Reshape...), and the inputs of a Concat placed in its output at exactly
// their slice (the compiler's Concat-in-place).
void check_plan_liveness(const ByteReader& r, const Graph& g, const MemoryPlan& plan, const OpRegistry& ops) {
  const std::vector<ValueId> alias = storage_roots(g, ops);
  std::vector<size_t> group(g.values.size());
  for (size_t v = 0; v < g.values.size(); ++v) group[v] = static_cast<size_t>(alias[v]);
  auto find = [&](size_t v) {
    while (group[v] != v) v = group[v] = group[group[v]];
    return v;
  };
  auto offset = [&](ValueId v) { return plan.value_offsets[static_cast<size_t>(v)]; };
  auto bytes = [&](ValueId v) { return static_cast<int64_t>(g.value(v).nbytes()); };
  for (const Node& n : g.nodes) {
    if (n.op_type != "Concat" || !n.domain.empty() || n.outputs.empty()) continue;
    const ValueId out = n.outputs[0];
    if (out == kNoValue || g.value(out).is_constant()) continue;
    const Shape& os = g.value(out).shape;
    const int rank = os.rank();
    int64_t axis = n.attrs.get_int("axis", 0);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) continue;
    bool contiguous = true;  // nothing but 1s before the axis: each input is one slice
    for (int d = 0; d < axis; ++d) contiguous &= os[d] == 1;
    int64_t inner = static_cast<int64_t>(dtype_size(g.value(out).dtype));
    for (int d = static_cast<int>(axis) + 1; d < rank; ++d) inner *= os[d];
    int64_t at = 0;
    for (ValueId in : n.inputs) {
      if (in == kNoValue) continue;
      const int64_t slice = at;
      at += g.value(in).shape.rank() > axis ? g.value(in).shape[static_cast<int>(axis)] * inner : 0;
      if (g.value(in).is_constant() || find(static_cast<size_t>(in)) == find(static_cast<size_t>(out))) continue;
      const bool inside = offset(in) >= offset(out) && offset(in) < offset(out) + bytes(out);
      if (!inside) continue;
      if (!contiguous || offset(in) != offset(out) + slice)
        r.fail("arena slot of '" + g.value(in).name + "' lies inside '" + g.value(out).name + "' but not at its slice of " +
               Graph::where(n));
      group[find(static_cast<size_t>(in))] = find(static_cast<size_t>(out));
    }
  }
  struct Item {
    int64_t begin = 0, end = 0;
    int first = 0, last = 0;
    bool used = false;
    std::string what;
  };
  std::vector<Item> items(g.values.size() + g.nodes.size());
  const int steps = static_cast<int>(g.nodes.size());
  auto touch = [&](ValueId v, int step) {
    if (v == kNoValue || g.value(v).is_constant()) return;
    Item& it = items[find(static_cast<size_t>(v))];
    const int64_t b = offset(v), e = b + bytes(v);
    if (!it.used) {
      it = {b, e, step, step, true, "'" + g.value(v).name + "'"};
      return;
    }
    it.begin = std::min(it.begin, b), it.end = std::max(it.end, e);
    it.first = std::min(it.first, step), it.last = std::max(it.last, step);
  };
  for (ValueId v : g.inputs) touch(v, -1);
  for (int k = 0; k < steps; ++k) {
    for (ValueId v : g.nodes[static_cast<size_t>(k)].inputs) touch(v, k);
    for (ValueId v : g.nodes[static_cast<size_t>(k)].outputs) touch(v, k);
  }
  for (ValueId v : g.outputs) touch(v, steps);
  for (int k = 0; k < steps; ++k)
    if (plan.scratch_bytes[static_cast<size_t>(k)] > 0)
      items[g.values.size() + static_cast<size_t>(k)] = {plan.scratch_offsets[static_cast<size_t>(k)],
                                                         plan.scratch_offsets[static_cast<size_t>(k)] +
                                                             plan.scratch_bytes[static_cast<size_t>(k)],
                                                         k, k, true, "the scratch of " + Graph::where(g.nodes[static_cast<size_t>(k)])};
  std::vector<const Item*> live;
  for (const Item& it : items)
    if (it.used && it.end > it.begin) live.push_back(&it);
  std::sort(live.begin(), live.end(), [](const Item* a, const Item* b) { return a->begin < b->begin; });
  for (size_t i = 0; i < live.size(); ++i)
    for (size_t j = i + 1; j < live.size() && live[j]->begin < live[i]->end; ++j)
      if (live[i]->first <= live[j]->last && live[j]->first <= live[i]->last)
        r.fail("arena slots of " + live[i]->what + " and " + live[j]->what + " overlap while both are live");
}

}  // namespace

ParsedModel parse_ewm(const uint8_t* base, size_t size, bool verify_data, const std::string& what,
                      const OpRegistry& ops) {
  auto fail = [&](const std::string& msg) -> void { throw Error(ErrorKind::kInvalidModel, what + ": " + msg); };
  ParsedModel m;
  if (size < ewm::kHeaderBytes) fail("file is " + std::to_string(size) + " bytes, too short for an edgewm model");
  std::memcpy(&m.header, base, sizeof(ewm::Header));
  const ewm::Header& h = m.header;
  if (std::memcmp(h.magic, ewm::kMagic, 8) != 0) fail("not an edgewm model (bad magic); compile ONNX with `edgewm compile`");
  if (h.version != ewm::kFormatVersion)
    fail("format version " + std::to_string(h.version) + " is not supported (this build reads version " +
         std::to_string(ewm::kFormatVersion) + "); recompile the model");
  if (hash64(&h, offsetof(ewm::Header, header_hash)) != h.header_hash) fail("header checksum mismatch (corrupted file)");
  if (h.header_bytes != ewm::kHeaderBytes) fail("unexpected header size");
  if (h.file_bytes != size)
    fail("file is " + std::to_string(size) + " bytes but its header says " + std::to_string(h.file_bytes) +
         (size < h.file_bytes ? " (truncated)" : " (trailing bytes)"));
  if (h.meta_offset < ewm::kHeaderBytes || h.meta_offset > size || h.meta_bytes > size - h.meta_offset)
    fail("metadata section lies outside the file");
  if (h.data_offset % ewm::kDataAlignment || h.data_offset < h.meta_offset + h.meta_bytes || h.data_offset > size ||
      h.data_bytes > size - h.data_offset)
    fail("data section lies outside the file or is misaligned");
  if (hash64(base + h.meta_offset, h.meta_bytes) != h.meta_hash) fail("metadata checksum mismatch (corrupted file)");
  if (verify_data && hash64(base + h.data_offset, h.data_bytes) != h.data_hash)
    fail("weights checksum mismatch (corrupted file)");

  // The section directory: each tag at most once; unknown optional sections are skipped.
  struct Section {
    const uint8_t* data = nullptr;
    uint64_t bytes = 0;
  };
  std::map<uint32_t, Section> sections;
  {
    ByteReader dir(base + h.meta_offset, h.meta_bytes, what);
    while (dir.remaining() > 0) {
      const uint32_t tag = dir.get<uint32_t>(), flags = dir.get<uint32_t>();
      const uint64_t bytes = dir.get<uint64_t>();
      if (bytes > dir.remaining()) dir.fail("section " + tag_name(tag) + " runs past the metadata");
      const uint8_t* data = dir.get_bytes(static_cast<size_t>(bytes));
      const bool known = tag == ewm::kTagMetadata || tag == ewm::kTagGraph || tag == ewm::kTagPlan || tag == ewm::kTagQuant;
      if (!known) {
        if (flags & ewm::kSectionRequired)
          dir.fail("section " + tag_name(tag) + " is required but unknown to this runtime (edgewm " EDGEWM_VERSION
                   "); the model needs a newer edgewm");
        continue;
      }
      if (!sections.emplace(tag, Section{data, bytes}).second) dir.fail("section " + tag_name(tag) + " appears twice");
    }
    for (uint32_t tag : {ewm::kTagMetadata, ewm::kTagGraph, ewm::kTagPlan})
      if (!sections.count(tag)) dir.fail("section " + tag_name(tag) + " is missing");
  }
  auto reader = [&](uint32_t tag) {
    const Section& sec = sections.at(tag);
    return ByteReader(sec.data, static_cast<size_t>(sec.bytes), what + ": section " + tag_name(tag));
  };
  auto finish = [](const ByteReader& r) {
    if (r.remaining() != 0) r.fail(std::to_string(r.remaining()) + " unexpected bytes at the end");
  };

  {
    ByteReader r = reader(ewm::kTagMetadata);
    uint32_t nmeta = r.get_count(8);
    for (uint32_t i = 0; i < nmeta; ++i) {
      std::string k = r.get_string();
      m.metadata[k] = r.get_string();
    }
    finish(r);
  }
  Graph& g = m.graph;
  ByteReader r = reader(ewm::kTagGraph);
  uint32_t nvalues = r.get_count(4 + 1 + 1 + 1);
  g.values.resize(nvalues);
  const uint8_t* data = base + h.data_offset;
  for (uint32_t i = 0; i < nvalues; ++i) {
    Value& v = g.values[i];
    v.name = r.get_string();
    v.dtype = get_dtype(r);
    v.shape = get_shape(r);
    v.shape_known = true;
    if (static_cast<int64_t>(v.nbytes()) > kMaxBytes) r.fail("value '" + v.name + "' is too large");
    uint8_t is_const = r.get<uint8_t>();
    if (is_const > 1) r.fail("value '" + v.name + "' has an invalid constant flag");
    if (is_const) {
      uint64_t off = r.get<uint64_t>(), nbytes = r.get<uint64_t>();
      if (nbytes != v.nbytes()) r.fail("constant '" + v.name + "' has " + std::to_string(nbytes) + " bytes, its shape needs " + std::to_string(v.nbytes()));
      if (off % ewm::kDataAlignment) r.fail("constant '" + v.name + "' is misaligned");
      check_range(r, static_cast<int64_t>(off), static_cast<int64_t>(nbytes), static_cast<int64_t>(h.data_bytes), "constant '" + v.name + "'");
      v.constant = TensorView{const_cast<uint8_t*>(data + off), v.dtype, v.shape};
    }
  }
  uint32_t nnodes = r.get_count(4 * 3 + 4 * 4);
  g.nodes.resize(nnodes);
  for (uint32_t k = 0; k < nnodes; ++k) {
    Node& n = g.nodes[k];
    n.name = r.get_string();
    n.op_type = r.get_string();
    n.domain = r.get_string();
    n.opset = static_cast<int>(r.get<uint32_t>());
    uint32_t nin = r.get_count(4);
    for (uint32_t i = 0; i < nin; ++i) n.inputs.push_back(get_value_id(r, nvalues, true));
    uint32_t nout = r.get_count(4);
    for (uint32_t i = 0; i < nout; ++i) n.outputs.push_back(get_value_id(r, nvalues, true));
    uint32_t nattr = r.get_count(5);
    for (uint32_t i = 0; i < nattr; ++i) n.attrs.set(get_attribute(r));
    if (!ops.find(n.op_type, n.domain))
      r.fail(Graph::where(n) + ": op is not supported by this runtime");
  }
  uint32_t nin = r.get_count(4);
  for (uint32_t i = 0; i < nin; ++i) g.inputs.push_back(get_value_id(r, nvalues, false));
  uint32_t nout = r.get_count(4);
  for (uint32_t i = 0; i < nout; ++i) g.outputs.push_back(get_value_id(r, nvalues, false));
  finish(r);

  r = reader(ewm::kTagPlan);
  m.plan.arena_bytes = r.get<int64_t>();
  if (r.get_count(8) != nvalues) r.fail("the plan's value count differs from the graph's");
  m.plan.value_offsets.resize(nvalues);
  for (uint32_t i = 0; i < nvalues; ++i) m.plan.value_offsets[i] = r.get<int64_t>();
  if (r.get_count(16) != nnodes) r.fail("the plan's node count differs from the graph's");
  m.plan.scratch_offsets.resize(nnodes);
  m.plan.scratch_bytes.resize(nnodes);
  for (uint32_t k = 0; k < nnodes; ++k) {
    m.plan.scratch_offsets[k] = r.get<int64_t>();
    m.plan.scratch_bytes[k] = r.get<int64_t>();
  }
  finish(r);

  if (sections.count(ewm::kTagQuant)) {
    r = reader(ewm::kTagQuant);
    const uint32_t count = r.get_count(12);
    for (uint32_t e = 0; e < count; ++e) {
      const ValueId id = get_value_id(r, nvalues, false);
      Value& v = g.values[static_cast<size_t>(id)];
      if (v.quant) r.fail("value '" + v.name + "' has two sets of quantisation parameters");
      auto q = std::make_shared<QuantParams>();
      q->axis = r.get<int32_t>();
      const uint32_t n = r.get_count(8);
      if (q->axis < -1 || q->axis >= std::max(v.shape.rank(), 1))
        r.fail("value '" + v.name + "': quantisation axis " + std::to_string(q->axis) + " is not one of its axes");
      const int64_t want = q->axis < 0 ? 1 : v.shape[q->axis];
      if (n != want)
        r.fail("value '" + v.name + "': " + std::to_string(n) + " scales for " + std::to_string(want) +
               (q->axis < 0 ? " tensor" : " slices along axis " + std::to_string(q->axis)));
      q->scales.resize(n);
      q->zero_points.resize(n);
      for (float& f : q->scales) {
        f = r.get<float>();
        if (!(f > 0) || !std::isfinite(f)) r.fail("value '" + v.name + "': scale " + std::to_string(f) + " is not a positive finite number");
      }
      for (int32_t& z : q->zero_points) z = r.get<int32_t>();
      v.quant = std::move(q);
    }
    finish(r);
  }
  const ByteReader model(base, 0, what);  // errors about the model as a whole
  if (m.plan.arena_bytes < 0 || m.plan.arena_bytes > kMaxBytes) model.fail("invalid arena size");

  // Every runtime value and scratch slice must lie inside the arena.
  auto check_value = [&](ValueId v) {
    if (v == kNoValue || g.value(v).is_constant()) return;
    const int64_t off = m.plan.value_offsets[static_cast<size_t>(v)];
    check_range(model, off, static_cast<int64_t>(g.value(v).nbytes()), m.plan.arena_bytes,
                "arena slot of '" + g.value(v).name + "'");
    // Kernels may use aligned vector loads; the planner only ever produces aligned offsets.
    if (off % MemoryPlan::kAlignment) model.fail("arena slot of '" + g.value(v).name + "' is misaligned");
  };
  for (ValueId v : g.inputs) check_value(v);
  for (ValueId v : g.outputs) check_value(v);
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    for (ValueId v : g.nodes[k].inputs) check_value(v);
    for (ValueId v : g.nodes[k].outputs) check_value(v);
    if (m.plan.scratch_offsets[k] >= 0 || m.plan.scratch_bytes[k] != 0)
    {
      check_range(model, m.plan.scratch_offsets[k], m.plan.scratch_bytes[k], m.plan.arena_bytes,
                  "scratch of " + Graph::where(g.nodes[k]));
      if (m.plan.scratch_offsets[k] % MemoryPlan::kAlignment) model.fail("scratch of " + Graph::where(g.nodes[k]) + " is misaligned");
    }
  }
  check_dataflow(model, g);
  try {
    verify_shapes(g, ops);
  } catch (const Error& e) {
    throw e.prefixed(what);
  }
  check_plan_liveness(model, g, m.plan, ops);
  // With shapes trusted: scratch may not exceed what the op's kernels can ask for, and no plan
  // needs more than every runtime value and scratch side by side. Anything larger is corruption
  // and must not become a huge allocation.
  auto align = [](int64_t x) { return (x + MemoryPlan::kAlignment - 1) / MemoryPlan::kAlignment * MemoryPlan::kAlignment; };
  int64_t naive = 0;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    if (m.plan.scratch_bytes[k] > align(node_scratch_bytes(g.nodes[k], g, ops)))
      model.fail("scratch of " + Graph::where(g.nodes[k]) + " is larger than its kernels can use");
    naive += std::max<int64_t>(m.plan.scratch_bytes[k], 0);
  }
  for (const Value& v : g.values)
    if (!v.is_constant()) naive += align(static_cast<int64_t>(v.nbytes()));
  if (m.plan.arena_bytes > naive)
    model.fail("arena of " + std::to_string(m.plan.arena_bytes) + " bytes exceeds what the graph can use (" +
           std::to_string(naive) + ")");
  return m;
}

}  // namespace edgewm
