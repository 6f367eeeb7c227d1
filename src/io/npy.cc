#include "io/npy.h"

#include <cstring>
#include <fstream>
#include <regex>
#include <vector>

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

}  // namespace

Tensor load_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(ErrorKind::kIo, "cannot open " + path);
  auto bad = [&](const std::string& msg) { return Error(ErrorKind::kInvalidArgument, path + ": " + msg); };
  char magic[8];
  if (!f.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw bad("not a .npy file");
  uint32_t header_len = 0;
  if (magic[6] == 1) {
    uint16_t n;
    f.read(reinterpret_cast<char*>(&n), 2);
    header_len = n;
  } else if (magic[6] == 2 || magic[6] == 3) {
    f.read(reinterpret_cast<char*>(&header_len), 4);
  } else {
    throw bad("unknown .npy version " + std::to_string(magic[6]));
  }
  if (!f || header_len > (1u << 20)) throw bad("bad header");
  std::string header(header_len, '\0');
  if (!f.read(header.data(), header_len)) throw bad("truncated header");

  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'"))) throw bad("header has no descr");
  std::string descr = m[1];
  if (descr == "<b1") descr = "|b1";
  if (descr == "<i1") descr = "|i1";
  if (descr == "<u1") descr = "|u1";
  DType dtype = DType::kUndefined;
  for (const auto& d : kDescrs)
    if (descr == d.code) dtype = d.dtype;
  if (dtype == DType::kUndefined) throw bad("unsupported dtype '" + descr + "' (big-endian or non-numeric?)");
  if (std::regex_search(header, m, std::regex("'fortran_order'\\s*:\\s*True")))
    throw bad("Fortran-order arrays are not supported; save with np.ascontiguousarray");
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)"))) throw bad("header has no shape");
  Shape shape;
  std::string dims = m[1];
  std::regex num("\\d+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator(); ++it)
    shape.push_back(std::stoll(it->str()));
  Tensor t(dtype, shape);
  if (!f.read(static_cast<char*>(t.data()), static_cast<std::streamsize>(t.nbytes())))
    throw bad("data is shorter than shape " + shape.str() + " needs");
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
