#pragma once
// The .ewm model file: everything the runtime needs, laid out to be mapped and used in place.
//
//   [header, 96 bytes][metadata][padding][data: constants, each 64-byte aligned]
//
// Header (little-endian):
//   0  char[8]  magic "EDGEWM\0\x1a"
//   8  u32      format version (kFormatVersion; readers reject others)
//   12 u32      header bytes (96)
//   16 u64      file bytes
//   24 u64      metadata offset      32 u64 metadata bytes
//   40 u64      data offset (64-aligned)  48 u64 data bytes
//   56 u64      XXH3-64 of the metadata   64 u64 XXH3-64 of the data
//   72 u64      XXH3-64 of bytes 0..71 of the header
//   80 u8[16]   reserved, zero
//
// Metadata: key/value strings, values (name, dtype, shape, constant range or arena offset),
// nodes (name, op, domain, opset, inputs, outputs, attributes, scratch), graph inputs and
// outputs, arena size. See ewm_writer.cc for the exact order.
#include <cstdint>

namespace edgewm::ewm {

inline constexpr char kMagic[8] = {'E', 'D', 'G', 'E', 'W', 'M', '\0', '\x1a'};
inline constexpr uint32_t kFormatVersion = 1;
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

}  // namespace edgewm::ewm
