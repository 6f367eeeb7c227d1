// A .ewm image from bad bytes: load (header, sections, graph, plan, weights hash), then, if it
// loads, a session and one run on zero inputs. Must end in an edgewm::Error or a result, never
// a crash, a hang or memory beyond the model's own arena.
//
// The header's three XXH3 hashes would stop nearly every mutation at "checksum mismatch", so by
// default the harness recomputes them first: the fuzzer's changes reach the section, graph and
// plan parsers. Bit 0 of the last reserved header byte set (then cleared) keeps the bytes as
// they are, so the checksum checks themselves stay fuzzed.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "edgewm/session.h"
#include "format/ewm_format.h"
#include "format/hash.h"

using namespace edgewm;

namespace {

void fix_hashes(std::vector<uint8_t>& b) {
  if (b.size() < ewm::kHeaderBytes) return;
  ewm::Header h;
  std::memcpy(&h, b.data(), sizeof h);
  const bool raw = h.reserved[15] & 1;
  h.reserved[15] &= ~uint8_t{1};
  if (!raw) {
    const uint64_t n = b.size();
    if (h.meta_offset <= n && h.meta_bytes <= n - h.meta_offset) h.meta_hash = hash64(b.data() + h.meta_offset, h.meta_bytes);
    if (h.data_offset <= n && h.data_bytes <= n - h.data_offset) h.data_hash = hash64(b.data() + h.data_offset, h.data_bytes);
    h.header_hash = hash64(&h, offsetof(ewm::Header, header_hash));
  }
  std::memcpy(b.data(), &h, sizeof h);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  fix_hashes(bytes);
  try {
    auto model = Model::from_bytes(std::move(bytes), LoadOptions{}, "fuzz.ewm");
    if (model->arena_bytes() > (int64_t{64} << 20)) return 0;  // a real plan that size: fine, not fuzzed
    Session session(model, SessionOptions{1});
    std::vector<Tensor> inputs;
    std::vector<TensorView> views;
    for (const TensorInfo& info : model->inputs()) {
      if (checked_tensor_bytes(info.dtype, info.shape) > (int64_t{16} << 20)) return 0;
      inputs.emplace_back(info.dtype, info.shape);
    }
    for (const Tensor& t : inputs) views.push_back(t.view());
    session.run(views);
  } catch (const Error&) {
  }
  return 0;
}
