#include "onnx/tensor_proto.h"

#include <onnx/onnx_pb.h>

#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/regular_file.h"

namespace edgewm {

namespace {

// Element types whose values ONNX stores in int32_data when not in raw_data.
template <class T> void copy_int32_field(const onnx::TensorProto& p, Tensor& t) {
  T* out = static_cast<T*>(t.data());
  for (int64_t i = 0; i < t.numel(); ++i) {
    int32_t v = p.int32_data(static_cast<int>(i));
    if constexpr (std::is_same_v<T, uint16_t>) {
      out[i] = static_cast<uint16_t>(v);  // f16 bits, or u16
    } else {
      out[i] = static_cast<T>(v);
    }
  }
}

// Parses an external_data value (a decimal byte count), naming the field when it is not one.
int64_t external_number(const std::string& what, const std::string& key, const std::string& v) {
  int64_t x = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || end != v.data() + v.size() || x < 0)
    throw Error(ErrorKind::kInvalidModel, what + ": external data " + key + " '" + v + "' is not a byte count");
  return x;
}

// Reads the external data of `p` into `t` (allocated by the caller only after this has checked
// the file and range: a tiny model declaring huge external tensors must not allocate first).
struct ExternalData {
  std::string path;
  int64_t offset = 0;
};
ExternalData locate_external(const onnx::TensorProto& p, const std::string& base_dir, const std::string& what,
                             size_t expected) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : p.external_data()) {
    if (kv.key() == "location") location = kv.value();
    else if (kv.key() == "offset") offset = external_number(what, "offset", kv.value());
    else if (kv.key() == "length") length = external_number(what, "length", kv.value());
  }
  if (location.empty()) throw Error(ErrorKind::kInvalidModel, what + ": external data without a location");
  namespace fs = std::filesystem;
  fs::path path = fs::path(base_dir) / location;
  // The location must stay inside the model's folder: a model file must not read arbitrary files.
  fs::path canon_base = fs::weakly_canonical(fs::path(base_dir.empty() ? "." : base_dir));
  fs::path canon = fs::weakly_canonical(path);
  auto rel = canon.lexically_relative(canon_base);
  if (rel.empty() || *rel.begin() == "..")
    throw Error(ErrorKind::kInvalidModel, what + ": external data location '" + location + "' leaves the model folder");
  const int64_t file_size = regular_file_size(path.string(), what + ": external data file");
  if (length < 0) length = file_size - offset;
  if (offset > file_size || length > file_size - offset)
    throw Error(ErrorKind::kInvalidModel, what + ": external data range [" + std::to_string(offset) + ", " +
                                              std::to_string(offset + length) + ") is outside " + path.string() +
                                              " (" + std::to_string(file_size) + " bytes)");
  if (static_cast<size_t>(length) != expected)
    throw Error(ErrorKind::kInvalidModel, what + ": external data has " + std::to_string(length) +
                                              " bytes, the tensor needs " + std::to_string(expected));
  return {path.string(), offset};
}

void read_external(const ExternalData& x, const std::string& what, void* dst, size_t bytes) {
  std::ifstream f(x.path, std::ios::binary);
  if (!f) throw Error(ErrorKind::kIo, what + ": cannot open external data file " + x.path);
  f.seekg(x.offset);
  f.read(static_cast<char*>(dst), static_cast<std::streamsize>(bytes));
  if (!f) throw Error(ErrorKind::kIo, what + ": short read from " + x.path);
}

// ONNX's 4-bit element types (IR 10, opset 21), which this libonnx's enum predates.
constexpr int kOnnxUint4 = 21, kOnnxInt4 = 22;

// A 4-bit tensor, unpacked one value a byte into u8 (UINT4, 0..15) or s8 (INT4, -8..7): two
// values a byte, the first in the low nibble, in raw_data, external data or int32_data (one
// packed byte an element). What edgewm does with them is dequantise on load (onnx/importer.cc
// lets only DequantizeLinear read them).
Tensor unpack_4bit(const onnx::TensorProto& p, const Shape& shape, size_t n, const std::string& base_dir,
                   const std::string& what) {
  const bool is_signed = p.data_type() == kOnnxInt4;
  const size_t packed = (n + 1) / 2;
  std::vector<uint8_t> bytes(packed);
  if (p.data_location() == onnx::TensorProto::EXTERNAL) {
    const ExternalData x = locate_external(p, base_dir, what, packed);
    if (packed) read_external(x, what, bytes.data(), packed);
  } else if (p.has_raw_data()) {
    if (p.raw_data().size() != packed)
      throw Error(ErrorKind::kInvalidModel, what + ": raw_data has " + std::to_string(p.raw_data().size()) +
                                                " bytes, shape " + shape.str() + " of 4-bit values needs " +
                                                std::to_string(packed));
    std::memcpy(bytes.data(), p.raw_data().data(), packed);
  } else {
    if (static_cast<size_t>(p.int32_data_size()) != packed)
      throw Error(ErrorKind::kInvalidModel, what + ": has " + std::to_string(p.int32_data_size()) +
                                                " packed bytes for shape " + shape.str() + " of 4-bit values, needs " +
                                                std::to_string(packed));
    for (size_t i = 0; i < packed; ++i) bytes[i] = static_cast<uint8_t>(p.int32_data(static_cast<int>(i)));
  }
  Tensor t(is_signed ? DType::kI8 : DType::kU8, shape);
  uint8_t* out = static_cast<uint8_t*>(t.data());
  for (size_t i = 0; i < n; ++i) {
    const uint8_t v = (bytes[i / 2] >> (4 * (i % 2))) & 0xF;
    out[i] = is_signed && v >= 8 ? static_cast<uint8_t>(v - 16) : v;  // two's complement of the nibble
  }
  return t;
}

}  // namespace

bool is_4bit_proto(const onnx::TensorProto& p) { return p.data_type() == kOnnxUint4 || p.data_type() == kOnnxInt4; }

DType dtype_from_onnx(int t) {
  switch (t) {
    case onnx::TensorProto::FLOAT: return DType::kF32;
    case onnx::TensorProto::FLOAT16: return DType::kF16;
    case onnx::TensorProto::DOUBLE: return DType::kF64;
    case onnx::TensorProto::INT8: return DType::kI8;
    case onnx::TensorProto::UINT8: return DType::kU8;
    case onnx::TensorProto::INT16: return DType::kI16;
    case onnx::TensorProto::UINT16: return DType::kU16;
    case onnx::TensorProto::INT32: return DType::kI32;
    case onnx::TensorProto::UINT32: return DType::kU32;
    case onnx::TensorProto::INT64: return DType::kI64;
    case onnx::TensorProto::UINT64: return DType::kU64;
    case onnx::TensorProto::BOOL: return DType::kBool;
    default: return DType::kUndefined;
  }
}

int dtype_to_onnx(DType t) {
  switch (t) {
    case DType::kF32: return onnx::TensorProto::FLOAT;
    case DType::kF16: return onnx::TensorProto::FLOAT16;
    case DType::kF64: return onnx::TensorProto::DOUBLE;
    case DType::kI8: return onnx::TensorProto::INT8;
    case DType::kU8: return onnx::TensorProto::UINT8;
    case DType::kI16: return onnx::TensorProto::INT16;
    case DType::kU16: return onnx::TensorProto::UINT16;
    case DType::kI32: return onnx::TensorProto::INT32;
    case DType::kU32: return onnx::TensorProto::UINT32;
    case DType::kI64: return onnx::TensorProto::INT64;
    case DType::kU64: return onnx::TensorProto::UINT64;
    case DType::kBool: return onnx::TensorProto::BOOL;
    default: return onnx::TensorProto::UNDEFINED;
  }
}

Tensor tensor_from_proto(const onnx::TensorProto& p, const std::string& base_dir, const std::string& what) {
  DType dtype = is_4bit_proto(p) ? DType::kU8 : dtype_from_onnx(p.data_type());
  if (dtype == DType::kUndefined)
    throw Error(ErrorKind::kUnsupported, what + ": tensor element type " +
                                             onnx::TensorProto::DataType_Name(
                                                 static_cast<onnx::TensorProto::DataType>(p.data_type())) +
                                             " (" + std::to_string(p.data_type()) + ") is not supported");
  if (p.has_segment()) throw Error(ErrorKind::kUnsupported, what + ": segmented tensors are not supported");
  Shape shape;
  for (int64_t d : p.dims()) {
    if (d < 0) throw Error(ErrorKind::kInvalidModel, what + ": negative dimension " + std::to_string(d));
    shape.push_back(d);
  }
  // Check sizes against the data actually present before allocating: a corrupt header must
  // not turn into a multi-terabyte allocation.
  int64_t count = 1;
  for (int64_t d : shape.dims()) {
    if (d > 0 && count > (int64_t{1} << 40) / d)
      throw Error(ErrorKind::kInvalidModel, what + ": shape " + shape.str() + " is implausibly large");
    count *= d;
  }
  const size_t n = static_cast<size_t>(count);
  if (is_4bit_proto(p)) return unpack_4bit(p, shape, n, base_dir, what);
  const size_t nbytes = n * dtype_size(dtype);
  auto check_count = [&](int have) {
    if (static_cast<size_t>(have) != n)
      throw Error(ErrorKind::kInvalidModel, what + ": has " + std::to_string(have) + " values for shape " +
                                                shape.str());
  };
  if (p.data_location() != onnx::TensorProto::EXTERNAL && p.has_raw_data() && p.raw_data().size() != nbytes)
    throw Error(ErrorKind::kInvalidModel, what + ": raw_data has " + std::to_string(p.raw_data().size()) +
                                              " bytes, shape " + shape.str() + " of " + dtype_name(dtype) +
                                              " needs " + std::to_string(nbytes));
  int field_count = -1;
  switch (dtype) {
    case DType::kF32: field_count = p.float_data_size(); break;
    case DType::kF64: field_count = p.double_data_size(); break;
    case DType::kI64: field_count = p.int64_data_size(); break;
    case DType::kU32: case DType::kU64: field_count = p.uint64_data_size(); break;
    default: field_count = p.int32_data_size(); break;
  }
  if (p.data_location() != onnx::TensorProto::EXTERNAL && !p.has_raw_data()) check_count(field_count);
  ExternalData external;
  if (p.data_location() == onnx::TensorProto::EXTERNAL) external = locate_external(p, base_dir, what, nbytes);
  Tensor t(dtype, shape);
  if (p.data_location() == onnx::TensorProto::EXTERNAL) {
    if (nbytes) read_external(external, what, t.data(), nbytes);
  } else if (nbytes == 0) {
    // Empty tensor: nothing to copy (and repeated fields may have no buffer at all).
  } else if (p.has_raw_data()) {
    std::memcpy(t.data(), p.raw_data().data(), nbytes);
  } else {
    switch (dtype) {
      case DType::kF32:
        std::memcpy(t.data(), p.float_data().data(), nbytes);
        break;
      case DType::kF64:
        std::memcpy(t.data(), p.double_data().data(), nbytes);
        break;
      case DType::kI64:
        std::memcpy(t.data(), p.int64_data().data(), nbytes);
        break;
      case DType::kU32:
      case DType::kU64: {
        for (size_t i = 0; i < n; ++i) {
          if (dtype == DType::kU32) static_cast<uint32_t*>(t.data())[i] = static_cast<uint32_t>(p.uint64_data(i));
          else static_cast<uint64_t*>(t.data())[i] = p.uint64_data(i);
        }
        break;
      }
      case DType::kI32: copy_int32_field<int32_t>(p, t); break;
      case DType::kI16: copy_int32_field<int16_t>(p, t); break;
      case DType::kU16:
      case DType::kF16: copy_int32_field<uint16_t>(p, t); break;
      case DType::kI8: copy_int32_field<int8_t>(p, t); break;
      case DType::kU8: copy_int32_field<uint8_t>(p, t); break;
      case DType::kBool: copy_int32_field<bool>(p, t); break;
      default: throw Error(ErrorKind::kInternal, what + ": unhandled dtype");
    }
  }
  if (dtype == DType::kBool) {  // normalise: any non-zero byte is true
    auto* b = static_cast<uint8_t*>(t.data());
    for (size_t i = 0; i < n; ++i) b[i] = b[i] ? 1 : 0;
  }
  return t;
}

void tensor_to_proto(const TensorView& t, const std::string& name, onnx::TensorProto* p) {
  p->Clear();
  p->set_name(name);
  p->set_data_type(dtype_to_onnx(t.dtype));
  for (int64_t d : t.shape.dims()) p->add_dims(d);
  p->set_raw_data(t.data, t.nbytes());
}

Tensor load_tensor_pb(const std::string& path, std::string* name) {
  regular_file_size(path, "tensor");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(ErrorKind::kIo, "cannot open " + path);
  onnx::TensorProto p;
  if (!p.ParseFromIstream(&f)) throw Error(ErrorKind::kInvalidArgument, path + ": not a serialized onnx TensorProto");
  if (name) *name = p.name();
  return tensor_from_proto(p, std::filesystem::path(path).parent_path().string(), path);
}

void save_tensor_pb(const TensorView& t, const std::string& name, const std::string& path) {
  onnx::TensorProto p;
  tensor_to_proto(t, name, &p);
  std::ofstream f(path, std::ios::binary);
  if (!f || !p.SerializeToOstream(&f)) throw Error(ErrorKind::kIo, "cannot write " + path);
}

}  // namespace edgewm
