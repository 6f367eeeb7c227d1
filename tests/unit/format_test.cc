// .ewm round trip, and corrupted files: a clear error, never a crash (also run under ASan/UBSan
// by `make sanitize`).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <random>

#include "compiler/compile.h"
#include "edgewm/session.h"
#include "format/ewm_format.h"
#include "format/ewm_writer.h"
#include "format/hash.h"
#include "runtime/model_data.h"
#include "onnx_builder.h"
#include "op_test_util.h"

namespace edgewm {
namespace {

using testing::make_f32;
using testing::make_i64;
using testing::OnnxBuilder;

// y = Relu(x + b) reshaped to [2, 3]; then z = Relu(y) * y exercises folding, aliasing and reuse.
std::vector<uint8_t> small_model_bytes() {
  OnnxBuilder ob(17);
  ob.input("x", {6}).output("z");
  ob.initializer("b", make_f32(Shape{6}, {1, -1, 2, -2, 3, -3}));
  ob.initializer("shape", make_i64(Shape{2}, {2, 3}));
  ob.node("Add", {"x", "b"}, {"s"});
  ob.node("Relu", {"s"}, {"r"});
  ob.node("Reshape", {"r", "shape"}, {"y"});
  ob.node("Relu", {"y"}, {"y2"});
  ob.node("Mul", {"y2", "y"}, {"z"});
  return compile_imported(import_onnx_bytes(ob.bytes(), ".")).serialize();
}

std::vector<float> run_small(const std::shared_ptr<const Model>& m) {
  Session s(m, SessionOptions{1});
  Tensor x = make_f32(Shape{6}, {0, 0, 1, 1, -5, 5});
  auto outs = s.run({x.view()});
  const float* p = static_cast<const float*>(outs[0].data);
  EXPECT_EQ(outs[0].shape, (Shape{2, 3}));
  return std::vector<float>(p, p + 6);
}

// relu(x+b)^2 by hand: x+b = {1,-1,3,-1,-2,2} -> relu {1,0,3,0,0,2} -> squared.
const std::vector<float> kExpected = {1, 0, 9, 0, 0, 4};

TEST(EwmFormat, RoundTripThroughMemoryAndFile) {
  std::vector<uint8_t> bytes = small_model_bytes();
  EXPECT_EQ(run_small(Model::from_bytes(bytes)), kExpected);
  auto path = (std::filesystem::temp_directory_path() / "edgewm_roundtrip.ewm").string();
  write_ewm_file(path, bytes);
  auto m = Model::load(path);
  EXPECT_EQ(run_small(m), kExpected);
  EXPECT_EQ(m->file_bytes(), bytes.size());
  EXPECT_EQ(m->inputs()[0].name, "x");
  EXPECT_EQ(m->outputs()[0].shape, (Shape{2, 3}));
  std::filesystem::remove(path);
}

TEST(EwmFormat, WeightsAreAlignedAndUsedInPlace) {
  std::vector<uint8_t> bytes = small_model_bytes();
  ewm::Header h;
  std::memcpy(&h, bytes.data(), sizeof h);
  EXPECT_EQ(h.data_offset % 64, 0u);
  auto m = Model::from_bytes(bytes);
  EXPECT_EQ(m->weight_bytes(), 128u);  // the 6-float bias and Reshape's 2 dims, each padded to 64 bytes
}

std::string load_error(const std::vector<uint8_t>& bytes, bool verify = true) {
  try {
    Model::from_bytes(bytes, LoadOptions{verify}, "m.ewm");
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("m.ewm: ", 0), 0u) << e.what();
    return e.what();
  }
  return "";
}

TEST(EwmFormat, TruncationAtEveryLengthIsAClearError) {
  std::vector<uint8_t> bytes = small_model_bytes();
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(n));
    EXPECT_NE(load_error(cut), "") << "length " << n;
  }
  EXPECT_NE(load_error({}).find("too short"), std::string::npos);
}

TEST(EwmFormat, WrongMagicAndVersionAreNamed) {
  std::vector<uint8_t> bytes = small_model_bytes();
  auto bad_magic = bytes;
  bad_magic[0] = 'X';
  EXPECT_NE(load_error(bad_magic).find("not an edgewm model"), std::string::npos);
  auto bad_version = bytes;
  uint32_t v = 99;
  std::memcpy(bad_version.data() + 8, &v, 4);
  EXPECT_NE(load_error(bad_version).find("format version 99"), std::string::npos);
}

TEST(EwmFormat, FlippedBitsAreCaughtByChecksums) {
  std::vector<uint8_t> bytes = small_model_bytes();
  ewm::Header h;
  std::memcpy(&h, bytes.data(), sizeof h);
  auto meta = bytes;
  meta[h.meta_offset + h.meta_bytes / 2] ^= 0x10;
  EXPECT_NE(load_error(meta).find("metadata checksum"), std::string::npos);
  auto data = bytes;
  data[h.data_offset + 3] ^= 0x01;
  EXPECT_NE(load_error(data).find("weights checksum"), std::string::npos);
  EXPECT_EQ(load_error(data, /*verify=*/false), "");  // without verification it loads (fast path)
}

// Corrupts metadata bytes and re-seals the checksums, so the parser itself must cope.
TEST(EwmFormat, CorruptedMetadataWithValidChecksumsNeverCrashes) {
  std::vector<uint8_t> bytes = small_model_bytes();
  ewm::Header h;
  std::memcpy(&h, bytes.data(), sizeof h);
  std::mt19937 rng(1234);
  int rejected = 0, loaded = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    auto b = bytes;
    int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      size_t at = h.meta_offset + rng() % h.meta_bytes;
      b[at] = trial % 2 ? static_cast<uint8_t>(rng()) : static_cast<uint8_t>(b[at] ^ (1u << (rng() % 8)));
    }
    ewm::Header hh = h;
    hh.meta_hash = hash64(b.data() + h.meta_offset, h.meta_bytes);
    hh.header_hash = hash64(&hh, offsetof(ewm::Header, header_hash));
    std::memcpy(b.data(), &hh, sizeof hh);
    try {
      auto m = Model::from_bytes(b);
      // A corruption that still passes validation (e.g. a changed name) must run safely.
      Session s(m, SessionOptions{1});
      std::vector<Tensor> ins;
      std::vector<TensorView> views;
      for (const auto& info : m->inputs()) ins.emplace_back(info.dtype, info.shape);
      for (const auto& t : ins) views.push_back(t.view());
      s.run(views);
      ++loaded;
    } catch (const Error& e) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 2000);
  SUCCEED() << loaded << " corruptions still loaded and ran";
}

// Rebuilds a file's metadata from sections (tag, flags, payload), re-sealing the checksums and
// moving the data section after it.
struct RawSection {
  uint32_t tag, flags;
  std::vector<uint8_t> payload;
};

std::vector<RawSection> sections_of(const std::vector<uint8_t>& bytes) {
  ewm::Header h;
  std::memcpy(&h, bytes.data(), sizeof h);
  std::vector<RawSection> out;
  for (uint64_t at = h.meta_offset; at < h.meta_offset + h.meta_bytes;) {
    RawSection s;
    uint64_t n;
    std::memcpy(&s.tag, bytes.data() + at, 4);
    std::memcpy(&s.flags, bytes.data() + at + 4, 4);
    std::memcpy(&n, bytes.data() + at + 8, 8);
    s.payload.assign(bytes.begin() + static_cast<int64_t>(at + 16), bytes.begin() + static_cast<int64_t>(at + 16 + n));
    out.push_back(std::move(s));
    at += 16 + n;
  }
  return out;
}

std::vector<uint8_t> with_sections(const std::vector<uint8_t>& bytes, const std::vector<RawSection>& sections) {
  ewm::Header h;
  std::memcpy(&h, bytes.data(), sizeof h);
  std::vector<uint8_t> meta;
  for (const RawSection& s : sections) {
    const uint64_t n = s.payload.size();
    meta.insert(meta.end(), reinterpret_cast<const uint8_t*>(&s.tag), reinterpret_cast<const uint8_t*>(&s.tag) + 4);
    meta.insert(meta.end(), reinterpret_cast<const uint8_t*>(&s.flags), reinterpret_cast<const uint8_t*>(&s.flags) + 4);
    meta.insert(meta.end(), reinterpret_cast<const uint8_t*>(&n), reinterpret_cast<const uint8_t*>(&n) + 8);
    meta.insert(meta.end(), s.payload.begin(), s.payload.end());
  }
  ewm::Header nh = h;
  nh.meta_bytes = meta.size();
  nh.data_offset = (nh.meta_offset + nh.meta_bytes + 63) / 64 * 64;
  nh.file_bytes = nh.data_offset + h.data_bytes;
  std::vector<uint8_t> out(nh.file_bytes, 0);
  std::memcpy(out.data() + nh.meta_offset, meta.data(), meta.size());
  std::memcpy(out.data() + nh.data_offset, bytes.data() + h.data_offset, h.data_bytes);
  nh.meta_hash = hash64(out.data() + nh.meta_offset, nh.meta_bytes);
  nh.header_hash = hash64(&nh, offsetof(ewm::Header, header_hash));
  std::memcpy(out.data(), &nh, sizeof nh);
  return out;
}

TEST(EwmFormat, VersionTwoHasTaggedSections) {
  std::vector<uint8_t> bytes = small_model_bytes();
  uint32_t version;
  std::memcpy(&version, bytes.data() + 8, 4);
  EXPECT_EQ(version, 2u);
  std::vector<uint32_t> tags;
  for (const RawSection& s : sections_of(bytes)) {
    tags.push_back(s.tag);
    EXPECT_EQ(s.flags & ewm::kSectionRequired, ewm::kSectionRequired);
  }
  EXPECT_EQ(tags, (std::vector<uint32_t>{ewm::kTagMetadata, ewm::kTagGraph, ewm::kTagPlan}));
  EXPECT_EQ(ewm::kTagGraph, 0x48505247u);  // "GRPH" in a hex dump
  // The re-assembly itself is faithful: the same sections give a model that runs the same.
  EXPECT_EQ(run_small(Model::from_bytes(with_sections(bytes, sections_of(bytes)))), run_small(Model::from_bytes(bytes)));
}

TEST(EwmFormat, UnknownOptionalSectionsAreSkippedRequiredOnesRefused) {
  const std::vector<uint8_t> bytes = small_model_bytes();
  const std::vector<float> want = run_small(Model::from_bytes(bytes));
  for (size_t at : {size_t{0}, size_t{2}, size_t{3}}) {  // first, between, last
    auto secs = sections_of(bytes);
    secs.insert(secs.begin() + static_cast<int64_t>(at), RawSection{ewm::tag("XTRA"), 0, {1, 2, 3, 4, 5}});
    EXPECT_EQ(run_small(Model::from_bytes(with_sections(bytes, secs))), want) << at;
    secs[at].flags = ewm::kSectionRequired;
    const std::string err = load_error(with_sections(bytes, secs));
    EXPECT_NE(err.find("section 'XTRA' is required but unknown"), std::string::npos) << err;
  }
  auto empty = sections_of(bytes);
  empty.push_back(RawSection{ewm::tag("XTRA"), 0, {}});
  EXPECT_EQ(run_small(Model::from_bytes(with_sections(bytes, empty))), want);
}

TEST(EwmFormat, MissingDuplicatedOrOverlongSectionsAreNamed) {
  const std::vector<uint8_t> bytes = small_model_bytes();
  auto secs = sections_of(bytes);
  auto no_plan = secs;
  no_plan.pop_back();
  EXPECT_NE(load_error(with_sections(bytes, no_plan)).find("section 'PLAN' is missing"), std::string::npos);
  auto twice = secs;
  twice.push_back(secs[1]);
  EXPECT_NE(load_error(with_sections(bytes, twice)).find("section 'GRPH' appears twice"), std::string::npos);
  auto padded = secs;
  padded[2].payload.push_back(0);
  EXPECT_NE(load_error(with_sections(bytes, padded)).find("section 'PLAN': 1 unexpected bytes"), std::string::npos);
  auto cut = secs;
  cut[1].payload.resize(cut[1].payload.size() - 3);
  EXPECT_NE(load_error(with_sections(bytes, cut)).find("section 'GRPH'"), std::string::npos);
  // A section length that runs past the metadata.
  auto b = with_sections(bytes, secs);
  ewm::Header h;
  std::memcpy(&h, b.data(), sizeof h);
  uint64_t huge = uint64_t{1} << 40;
  std::memcpy(b.data() + h.meta_offset + 8, &huge, 8);
  h.meta_hash = hash64(b.data() + h.meta_offset, h.meta_bytes);
  h.header_hash = hash64(&h, offsetof(ewm::Header, header_hash));
  std::memcpy(b.data(), &h, sizeof h);
  EXPECT_NE(load_error(b).find("runs past the metadata"), std::string::npos);
}

// Quantisation parameters per tensor and per axis survive the file; nonsense is refused.
TEST(EwmFormat, QuantisationParametersRoundTrip) {
  OnnxBuilder ob(17);
  ob.input("x", {2, 3}).output("y");
  ob.initializer("w", make_f32(Shape{2, 3}, {1, 2, 3, 4, 5, 6}));
  ob.node("Add", {"x", "w"}, {"y"});
  CompiledModel cm = compile_imported(import_onnx_bytes(ob.bytes(), "."));
  auto find = [&](Graph& g, const std::string& name) -> Value& {
    for (Value& v : g.values)
      if (v.name == name) return v;
    throw std::runtime_error("no value " + name);
  };
  find(cm.graph, "w").quant = std::make_shared<QuantParams>(QuantParams{0, {0.5f, 0.25f}, {3, -7}});
  find(cm.graph, "y").quant = std::make_shared<QuantParams>(QuantParams{-1, {0.125f}, {0}});
  const std::vector<uint8_t> bytes = cm.serialize();
  auto secs = sections_of(bytes);
  ASSERT_EQ(secs.size(), 4u);
  EXPECT_EQ(secs[3].tag, ewm::kTagQuant);
  EXPECT_EQ(secs[3].flags & ewm::kSectionRequired, ewm::kSectionRequired);  // kernels must honour it
  auto m = Model::from_bytes(bytes);
  Graph& g = const_cast<Graph&>(m->data().parsed.graph);
  ASSERT_TRUE(find(g, "w").quant);
  EXPECT_EQ(*find(g, "w").quant, (QuantParams{0, {0.5f, 0.25f}, {3, -7}}));
  EXPECT_EQ(*find(g, "y").quant, (QuantParams{-1, {0.125f}, {0}}));
  EXPECT_FALSE(find(g, "x").quant);

  // Wrong scale count for the axis, a bad axis, a non-positive scale: each named.
  auto bad = [&](QuantParams q) {
    CompiledModel c = compile_imported(import_onnx_bytes(ob.bytes(), "."));
    find(c.graph, "w").quant = std::make_shared<QuantParams>(q);
    return load_error(c.serialize());
  };
  EXPECT_NE(bad({1, {1.f, 1.f}, {0, 0}}).find("2 scales for 3 slices along axis 1"), std::string::npos);
  EXPECT_NE(bad({2, {1.f}, {0}}).find("quantisation axis 2 is not one of its axes"), std::string::npos);
  EXPECT_NE(bad({-1, {0.f}, {0}}).find("is not a positive finite number"), std::string::npos);
  EXPECT_NE(bad({-1, {NAN}, {0}}).find("is not a positive finite number"), std::string::npos);
}

}  // namespace
}  // namespace edgewm
