#include "format/ewm_writer.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/byte_io.h"
#include "format/ewm_format.h"
#include "format/hash.h"

namespace edgewm {

namespace {

uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

void put_shape(ByteWriter& w, const Shape& s) {
  w.put<uint8_t>(static_cast<uint8_t>(s.rank()));
  for (int64_t d : s.dims()) w.put<int64_t>(d);
}

void put_attribute(ByteWriter& w, const Attribute& a) {
  w.put_string(a.name);
  w.put<uint8_t>(static_cast<uint8_t>(a.kind));
  switch (a.kind) {
    case Attribute::Kind::kInt: w.put<int64_t>(a.i); break;
    case Attribute::Kind::kFloat: w.put<float>(a.f); break;
    case Attribute::Kind::kString: w.put_string(a.s); break;
    case Attribute::Kind::kInts:
      w.put<uint32_t>(static_cast<uint32_t>(a.ints.size()));
      for (int64_t v : a.ints) w.put<int64_t>(v);
      break;
    case Attribute::Kind::kFloats:
      w.put<uint32_t>(static_cast<uint32_t>(a.floats.size()));
      for (float v : a.floats) w.put<float>(v);
      break;
    case Attribute::Kind::kStrings:
      w.put<uint32_t>(static_cast<uint32_t>(a.strings.size()));
      for (const auto& s : a.strings) w.put_string(s);
      break;
    case Attribute::Kind::kTensor:
      w.put<uint8_t>(static_cast<uint8_t>(a.tensor->dtype()));
      put_shape(w, a.tensor->shape());
      w.put<uint64_t>(a.tensor->nbytes());
      w.put_bytes(a.tensor->data(), a.tensor->nbytes());
      break;
  }
}

// [tag][flags][bytes][payload]: the payload is written by fill, its length patched in after.
template <class Fill> void section(ByteWriter& w, uint32_t tag, uint32_t flags, Fill fill) {
  w.put<uint32_t>(tag);
  w.put<uint32_t>(flags);
  const size_t at = w.bytes().size();
  w.put<uint64_t>(0);
  fill(w);
  const uint64_t bytes = w.bytes().size() - at - sizeof(uint64_t);
  std::memcpy(w.bytes().data() + at, &bytes, sizeof bytes);
}

void put_graph(ByteWriter& w, const Graph& g, const std::vector<uint64_t>& const_offset) {
  w.put<uint32_t>(static_cast<uint32_t>(g.values.size()));
  for (size_t i = 0; i < g.values.size(); ++i) {
    const Value& v = g.values[i];
    w.put_string(v.name);
    w.put<uint8_t>(static_cast<uint8_t>(v.dtype));
    put_shape(w, v.shape);
    w.put<uint8_t>(v.is_constant() ? 1 : 0);
    if (v.is_constant()) {
      w.put<uint64_t>(const_offset[i]);
      w.put<uint64_t>(v.nbytes());
    }
  }
  w.put<uint32_t>(static_cast<uint32_t>(g.nodes.size()));
  for (const Node& n : g.nodes) {
    w.put_string(n.name);
    w.put_string(n.op_type);
    w.put_string(n.domain);
    w.put<uint32_t>(static_cast<uint32_t>(n.opset));
    w.put<uint32_t>(static_cast<uint32_t>(n.inputs.size()));
    for (ValueId v : n.inputs) w.put<int32_t>(v);
    w.put<uint32_t>(static_cast<uint32_t>(n.outputs.size()));
    for (ValueId v : n.outputs) w.put<int32_t>(v);
    w.put<uint32_t>(static_cast<uint32_t>(n.attrs.all().size()));
    for (const Attribute& a : n.attrs.all()) put_attribute(w, a);
  }
  w.put<uint32_t>(static_cast<uint32_t>(g.inputs.size()));
  for (ValueId v : g.inputs) w.put<int32_t>(v);
  w.put<uint32_t>(static_cast<uint32_t>(g.outputs.size()));
  for (ValueId v : g.outputs) w.put<int32_t>(v);
}

void put_plan(ByteWriter& w, const Graph& g, const MemoryPlan& plan) {
  w.put<int64_t>(plan.arena_bytes);
  w.put<uint32_t>(static_cast<uint32_t>(g.values.size()));
  for (size_t i = 0; i < g.values.size(); ++i) w.put<int64_t>(plan.value_offsets.at(i));
  w.put<uint32_t>(static_cast<uint32_t>(g.nodes.size()));
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    w.put<int64_t>(plan.scratch_offsets.at(k));
    w.put<int64_t>(plan.scratch_bytes.at(k));
  }
}

void put_quant(ByteWriter& w, const Graph& g) {
  uint32_t count = 0;
  for (const Value& v : g.values) count += v.quant != nullptr;
  w.put<uint32_t>(count);
  for (size_t i = 0; i < g.values.size(); ++i) {
    const QuantParams* q = g.values[i].quant.get();
    if (!q) continue;
    if (q->scales.size() != q->zero_points.size())
      throw Error(ErrorKind::kInternal, "value '" + g.values[i].name + "': scales and zero points differ in count");
    w.put<int32_t>(static_cast<int32_t>(i));
    w.put<int32_t>(q->axis);
    w.put<uint32_t>(static_cast<uint32_t>(q->scales.size()));
    for (float f : q->scales) w.put<float>(f);
    for (int32_t z : q->zero_points) w.put<int32_t>(z);
  }
}

}  // namespace

std::vector<uint8_t> serialize_ewm(const Graph& g, const MemoryPlan& plan,
                                   const std::map<std::string, std::string>& metadata) {
  // Lay out constants first: their offsets go into the metadata.
  std::vector<uint64_t> const_offset(g.values.size(), 0);
  uint64_t data_bytes = 0;
  for (size_t i = 0; i < g.values.size(); ++i) {
    if (!g.values[i].is_constant()) continue;
    const_offset[i] = data_bytes;
    data_bytes = align_up(data_bytes + g.values[i].nbytes(), ewm::kDataAlignment);
  }

  ByteWriter w;
  section(w, ewm::kTagMetadata, ewm::kSectionRequired, [&](ByteWriter& s) {
    s.put<uint32_t>(static_cast<uint32_t>(metadata.size()));
    for (const auto& [k, v] : metadata) {
      s.put_string(k);
      s.put_string(v);
    }
  });
  section(w, ewm::kTagGraph, ewm::kSectionRequired, [&](ByteWriter& s) { put_graph(s, g, const_offset); });
  section(w, ewm::kTagPlan, ewm::kSectionRequired, [&](ByteWriter& s) { put_plan(s, g, plan); });
  // Quantised values change what kernels compute: a reader that does not know them must refuse.
  if (std::any_of(g.values.begin(), g.values.end(), [](const Value& v) { return v.quant != nullptr; }))
    section(w, ewm::kTagQuant, ewm::kSectionRequired, [&](ByteWriter& s) { put_quant(s, g); });
  const std::vector<uint8_t>& meta = w.bytes();

  ewm::Header h{};
  std::memcpy(h.magic, ewm::kMagic, 8);
  h.version = ewm::kFormatVersion;
  h.header_bytes = ewm::kHeaderBytes;
  h.meta_offset = ewm::kHeaderBytes;
  h.meta_bytes = meta.size();
  h.data_offset = align_up(h.meta_offset + h.meta_bytes, ewm::kDataAlignment);
  h.data_bytes = data_bytes;
  h.file_bytes = h.data_offset + data_bytes;

  std::vector<uint8_t> file(h.file_bytes, 0);
  std::memcpy(file.data() + h.meta_offset, meta.data(), meta.size());
  for (size_t i = 0; i < g.values.size(); ++i) {
    const Value& v = g.values[i];
    if (v.is_constant() && v.nbytes()) std::memcpy(file.data() + h.data_offset + const_offset[i], v.constant.data, v.nbytes());
  }
  h.meta_hash = hash64(file.data() + h.meta_offset, h.meta_bytes);
  h.data_hash = hash64(file.data() + h.data_offset, h.data_bytes);
  h.header_hash = hash64(&h, offsetof(ewm::Header, header_hash));
  std::memcpy(file.data(), &h, sizeof(h));
  return file;
}

void write_ewm_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  if (path.empty()) throw Error(ErrorKind::kInvalidArgument, "the output path is empty");
  namespace fs = std::filesystem;
  std::error_code ec;
  // Replace only a regular file (or a link to one): never a directory, device, FIFO or socket,
  // which a rename over them would destroy (as root, -o /dev/full would replace the device).
  const fs::file_status st = fs::status(path, ec);
  if (!ec && fs::exists(st) && !fs::is_regular_file(st))
    throw Error(ErrorKind::kInvalidArgument, path + " exists and is not a regular file: not replacing it");
  // A private temporary beside the target, so the rename is atomic and a concurrent writer
  // cannot share it; removed whatever goes wrong.
  std::string tmp = path + ".XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw Error(ErrorKind::kIo, "cannot create a file beside " + path + ": " + std::strerror(errno));
  struct Cleanup {
    const std::string& tmp;
    bool keep = false;
    ~Cleanup() {
      if (!keep) ::unlink(tmp.c_str());
    }
  } cleanup{tmp};
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int err = errno;
      ::close(fd);
      throw Error(ErrorKind::kIo, "cannot write " + tmp + ": " + std::strerror(err));
    }
    done += static_cast<size_t>(w);
  }
  // rw-r--r-- like a file made under the usual umask (mkstemp makes it 0600; reading the umask
  // means setting it, which races with other threads).
  ::fchmod(fd, 0644);
  if (::close(fd) != 0) throw Error(ErrorKind::kIo, "cannot write " + tmp + ": " + std::strerror(errno));
  fs::rename(tmp, path, ec);
  if (ec) throw Error(ErrorKind::kIo, "cannot rename " + tmp + " to " + path + ": " + ec.message());
  cleanup.keep = true;
}

}  // namespace edgewm
