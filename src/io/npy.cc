#include "io/npy.h"

#include <cstring>
#include <fstream>
#include <vector>

#include "core/regular_file.h"

namespace edgewm {

namespace {

struct Descr {
  const char* code;
  DType dtype;
};
constexpr Descr kDescrs[] = {
    {"<f4", DType::kF32}, {"<f2", DType::kF16}, {"<f8", DType::kF64}, {"|i1", DType::kI8},
    {"|u1", DType::kU8},  {"<i2", DType::kI16}, {"<u2", DType::kU16}, {"<i4", DType::kI32},
    {"<u4", DType::kU32}, {"<i8", DType::kI64}, {"<u8", DType::kU64}, {"|b1", DType::kBool},
};

const char* descr_of(DType t) {
  for (const auto& d : kDescrs)
    if (d.dtype == t) return d.code;
  throw Error(ErrorKind::kInvalidArgument, std::string("cannot save dtype ") + dtype_name(t) + " as .npy");
}

// The header is a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
// NumPy reads it with ast.literal_eval and then demands exactly these three keys; this is a
// parser for the subset such headers use (quoted strings, True/False, tuples of non-negative
// integers), iterative, with the same outcome: a duplicate key keeps its last value, anything
// else (other keys, lists, negative or non-integer dims, trailing text) is an error.
class NpyHeader {
 public:
  NpyHeader(const std::string& text, const std::string& path) : s_(text), path_(path) {}

  std::string descr;
  bool fortran_order = false;
  Shape shape;

  void parse() {
    bool have_descr = false, have_order = false, have_shape = false;
    skip();
    expect('{');
    for (;;) {
      skip();
      if (peek() == '}') break;
      const std::string key = string_literal();
      skip();
      expect(':');
      skip();
      if (key == "descr") {
        if (peek() != '\'' && peek() != '"') fail("'descr' must be a string (structured dtypes are not supported)");
        descr = string_literal();
        have_descr = true;
      } else if (key == "fortran_order") {
        fortran_order = boolean();
        have_order = true;
      } else if (key == "shape") {
        shape = tuple();
        have_shape = true;
      } else {
        fail("unexpected key '" + key + "' (a .npy header has descr, fortran_order and shape)");
      }
      skip();
      if (peek() == ',') {
        ++at_;
        continue;
      }
      skip();
      if (peek() != '}') fail("expected ',' or '}'");
    }
    ++at_;
    skip();
    if (at_ != s_.size()) fail("text after the header's closing brace");
    if (!have_descr || !have_order || !have_shape) fail("the header needs descr, fortran_order and shape");
  }

 private:
  [[noreturn]] void fail(const std::string& msg) const {
    throw Error(ErrorKind::kInvalidArgument, path_ + ": .npy header, at byte " + std::to_string(at_) + ": " + msg);
  }
  char peek() const { return at_ < s_.size() ? s_[at_] : '\0'; }
  void skip() {
    while (at_ < s_.size() && (s_[at_] == ' ' || s_[at_] == '\t' || s_[at_] == '\n' || s_[at_] == '\r')) ++at_;
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++at_;
  }
  std::string string_literal() {
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string");
    ++at_;
    std::string out;
    for (;;) {
      if (at_ >= s_.size()) fail("unterminated string");
      const char c = s_[at_++];
      if (c == q) return out;
      if (c == '\\') {
        if (at_ >= s_.size()) fail("unterminated string");
        out += s_[at_++];
        continue;
      }
      if (c == '\n') fail("newline inside a string");
      out += c;
    }
  }
  bool boolean() {
    if (s_.compare(at_, 4, "True") == 0) return at_ += 4, true;
    if (s_.compare(at_, 5, "False") == 0) return at_ += 5, false;
    fail("'fortran_order' must be True or False");
  }
  Shape tuple() {
    expect('(');
    Shape out;
    for (;;) {
      skip();
      if (peek() == ')') break;
      if (peek() == '-') fail("negative dimension");
      if (peek() < '0' || peek() > '9') fail("a dimension must be a non-negative integer");
      int64_t d = 0;
      while (peek() >= '0' && peek() <= '9') {
        if (__builtin_mul_overflow(d, 10, &d) || __builtin_add_overflow(d, peek() - '0', &d))
          fail("dimension does not fit 64 bits");
        ++at_;
      }
      if (peek() == '.' || peek() == 'e' || peek() == 'E') fail("a dimension must be an integer");
      if (out.rank() == Shape::kMaxRank) fail("more than " + std::to_string(Shape::kMaxRank) + " dimensions");
      out.push_back(d);
      skip();
      if (peek() == ',') {
        ++at_;
        continue;
      }
      if (peek() != ')') fail("expected ',' or ')' in the shape");
    }
    ++at_;
    return out;
  }

  const std::string& s_;
  const std::string& path_;
  size_t at_ = 0;
};

// What the first bytes of a .npy file say: its element type and shape, and where the data
// starts. `bytes` holds the file's first bytes (at least the whole header, when the file has
// one); `file_size` is the whole file's, which the data must fill exactly.
struct NpyLayout {
  DType dtype = DType::kUndefined;
  Shape shape;
  int64_t data_offset = 0, data_bytes = 0;
};
constexpr uint32_t kMaxNpyHeader = 1u << 20;

NpyLayout parse_npy_layout(const uint8_t* bytes, size_t n, int64_t file_size, const std::string& path) {
  auto bad = [&](const std::string& msg) { return Error(ErrorKind::kInvalidArgument, path + ": " + msg); };
  if (n < 10 || std::memcmp(bytes, "\x93NUMPY", 6) != 0) throw bad("not a .npy file");
  const int version = bytes[6];
  uint32_t header_len = 0;
  int64_t prefix = 0;
  if (version == 1) {
    header_len = static_cast<uint32_t>(bytes[8] | bytes[9] << 8);
    prefix = 10;
  } else if (version == 2 || version == 3) {
    if (n < 12) throw bad("truncated header");
    std::memcpy(&header_len, bytes + 8, 4);  // little-endian, as the format says (and as this host is)
    prefix = 12;
  } else {
    throw bad("unknown .npy version " + std::to_string(version));
  }
  if (header_len > kMaxNpyHeader) throw bad("header of " + std::to_string(header_len) + " bytes (more than 1 MiB)");
  if (prefix + header_len > file_size || prefix + header_len > static_cast<int64_t>(n)) throw bad("truncated header");
  const std::string header(reinterpret_cast<const char*>(bytes) + prefix, header_len);
  NpyHeader h(header, path);
  h.parse();
  std::string descr = h.descr;
  if (descr == "<b1") descr = "|b1";
  if (descr == "<i1") descr = "|i1";
  if (descr == "<u1") descr = "|u1";
  NpyLayout out;
  for (const auto& d : kDescrs)
    if (descr == d.code) out.dtype = d.dtype;
  if (out.dtype == DType::kUndefined) throw bad("unsupported dtype '" + descr + "' (big-endian or non-numeric?)");
  if (h.fortran_order) throw bad("Fortran-order arrays are not supported; save with np.ascontiguousarray");
  out.shape = h.shape;
  // The data must be in the file before anything is allocated for it.
  out.data_bytes = checked_tensor_bytes(out.dtype, h.shape);
  if (out.data_bytes < 0) throw bad("shape " + h.shape.str() + " is larger than any tensor may be");
  out.data_offset = prefix + header_len;
  const int64_t have = file_size - out.data_offset;
  if (have < out.data_bytes)
    throw bad("data is shorter than shape " + h.shape.str() + " needs (" + std::to_string(have) + " of " +
              std::to_string(out.data_bytes) + " bytes)");
  if (have > out.data_bytes) throw bad(std::to_string(have - out.data_bytes) + " bytes after the data of shape " + h.shape.str());
  return out;
}

}  // namespace

Tensor npy_from_bytes(std::span<const uint8_t> bytes, const std::string& what) {
  const NpyLayout l = parse_npy_layout(bytes.data(), bytes.size(), static_cast<int64_t>(bytes.size()), what);
  Tensor t(l.dtype, l.shape);
  if (l.data_bytes) std::memcpy(t.data(), bytes.data() + l.data_offset, static_cast<size_t>(l.data_bytes));
  return t;
}

Tensor load_npy(const std::string& path) {
  const int64_t file_size = regular_file_size(path, ".npy file");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(ErrorKind::kIo, "cannot open " + path);
  std::vector<uint8_t> head(static_cast<size_t>(std::min<int64_t>(file_size, 12 + kMaxNpyHeader)));
  if (!f.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size())))
    throw Error(ErrorKind::kIo, "cannot read " + path);
  const NpyLayout l = parse_npy_layout(head.data(), head.size(), file_size, path);
  Tensor t(l.dtype, l.shape);
  f.seekg(l.data_offset);
  if (!f.read(static_cast<char*>(t.data()), static_cast<std::streamsize>(l.data_bytes)))
    throw Error(ErrorKind::kIo, "short read from " + path);
  return t;
}

void save_npy(const TensorView& t, const std::string& path) {
  std::string shape = "(";
  for (int i = 0; i < t.shape.rank(); ++i) shape += std::to_string(t.shape[i]) + (t.shape.rank() == 1 ? "," : (i + 1 < t.shape.rank() ? ", " : ""));
  shape += ")";
  std::string header = std::string("{'descr': '") + descr_of(t.dtype) + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad so the data starts 64-byte aligned, newline-terminated, as NumPy does.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw Error(ErrorKind::kIo, "cannot write " + path);
  f.write("\x93NUMPY\x01\x00", 8);
  uint16_t len = static_cast<uint16_t>(header.size());
  f.write(reinterpret_cast<const char*>(&len), 2);
  f.write(header.data(), static_cast<std::streamsize>(header.size()));
  f.write(static_cast<const char*>(t.data), static_cast<std::streamsize>(t.nbytes()));
  if (!f) throw Error(ErrorKind::kIo, "short write to " + path);
}

}  // namespace edgewm
