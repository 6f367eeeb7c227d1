#pragma once
// The .ewm model file: everything the runtime needs, laid out to be mapped and used in place.
//
//   [header, 96 bytes][metadata: tagged sections][padding][data: constants, each 64-byte aligned]
//
// Header (little-endian):
//   0  char[8]  magic "EDGEWM\0\x1a"
//   8  u32      format version (kFormatVersion; readers refuse others, naming both)
//   12 u32      header bytes (96)
//   16 u64      file bytes
//   24 u64      metadata offset      32 u64 metadata bytes
//   40 u64      data offset (64-aligned)  48 u64 data bytes
//   56 u64      XXH3-64 of the metadata   64 u64 XXH3-64 of the data
//   72 u64      XXH3-64 of bytes 0..71 of the header
//   80 u8[16]   reserved, zero
//
// Metadata: a sequence of sections, each [u32 tag][u32 flags][u64 payload bytes][payload]. A
// reader skips a section whose tag it does not know unless its kRequired flag is set, in which
// case it refuses the file (the model needs a newer runtime). Each tag appears at most once.
// docs/model-format.md gives every section's payload.
#include <cstdint>

namespace edgewm::ewm {

inline constexpr char kMagic[8] = {'E', 'D', 'G', 'E', 'W', 'M', '\0', '\x1a'};
inline constexpr uint32_t kFormatVersion = 2;
inline constexpr uint64_t kHeaderBytes = 96;
inline constexpr uint64_t kDataAlignment = 64;

struct Header {
  char magic[8];
  uint32_t version;
  uint32_t header_bytes;
  uint64_t file_bytes;
  uint64_t meta_offset, meta_bytes;
  uint64_t data_offset, data_bytes;
  uint64_t meta_hash, data_hash;
  uint64_t header_hash;
  uint8_t reserved[16];
};
static_assert(sizeof(Header) == kHeaderBytes);

// Section tags: four ASCII characters, first in the low byte ("META" reads as META in a dump).
constexpr uint32_t tag(const char (&s)[5]) {
  return uint32_t(uint8_t(s[0])) | uint32_t(uint8_t(s[1])) << 8 | uint32_t(uint8_t(s[2])) << 16 |
         uint32_t(uint8_t(s[3])) << 24;
}
inline constexpr uint32_t kTagMetadata = tag("META");  // key/value strings
inline constexpr uint32_t kTagGraph = tag("GRPH");     // values, nodes, graph inputs and outputs
inline constexpr uint32_t kTagPlan = tag("PLAN");      // arena size, value and scratch offsets
inline constexpr uint32_t kTagQuant = tag("QPRM");     // per-value scales and zero points
inline constexpr uint32_t kSectionRequired = 1u << 0;
inline constexpr uint64_t kSectionHeaderBytes = 16;

}  // namespace edgewm::ewm
