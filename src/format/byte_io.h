#pragma once
// Little-endian binary encoding for the .ewm metadata. The reader checks every length against
// what is left, so a truncated or corrupted file gives an error, never an out-of-bounds read.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "edgewm/error.h"

namespace edgewm {

class ByteWriter {
 public:
  template <class T> void put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    bytes_.insert(bytes_.end(), p, p + sizeof(T));
  }
  void put_bytes(const void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    bytes_.insert(bytes_.end(), p, p + n);
  }
  void put_string(const std::string& s) {
    put<uint32_t>(static_cast<uint32_t>(s.size()));
    put_bytes(s.data(), s.size());
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size, std::string what) : p_(data), end_(data + size), what_(std::move(what)) {}

  template <class T> T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, p_, sizeof(T));
    p_ += sizeof(T);
    return v;
  }
  std::string get_string() {
    uint32_t n = get<uint32_t>();
    need(n);
    std::string s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }
  const uint8_t* get_bytes(size_t n) {
    need(n);
    const uint8_t* p = p_;
    p_ += n;
    return p;
  }
  // A count of items that each take at least `min_item_bytes`: rejects absurd counts before
  // anything is allocated for them.
  uint32_t get_count(size_t min_item_bytes) {
    uint32_t n = get<uint32_t>();
    if (min_item_bytes && n > remaining() / min_item_bytes) fail("count " + std::to_string(n) + " exceeds the data left");
    return n;
  }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  [[noreturn]] void fail(const std::string& msg) const {
    throw Error(ErrorKind::kInvalidModel, what_ + ": " + msg);
  }

 private:
  void need(size_t n) const {
    if (n > remaining()) fail("truncated metadata (needed " + std::to_string(n) + " more bytes)");
  }
  const uint8_t* p_;
  const uint8_t* end_;
  std::string what_;
};

}  // namespace edgewm
