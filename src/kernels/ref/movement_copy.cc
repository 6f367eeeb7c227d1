// The strided copy engine and small helpers shared by the data-movement kernels.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "edgewm/thread_pool.h"
#include "kernels/ref/dispatch.h"
#include "kernels/ref/movement.h"

namespace edgewm::ref::mv {

namespace {

// An odometer over "outer" dims; the body gets the source and destination element offsets and
// the innermost index.
struct Outer {
  int n = 0;
  int64_t dims[kMaxCopyRank] = {};
  int64_t src[kMaxCopyRank] = {};
  int64_t dst[kMaxCopyRank] = {};
  void add(int64_t d, int64_t s, int64_t t) {
    dims[n] = d;
    src[n] = s;
    dst[n] = t;
    ++n;
  }
  int64_t count() const {
    int64_t c = 1;
    for (int i = 0; i < n; ++i) c *= dims[i];
    return c;
  }
};

template <class F> void for_outer(const Outer& o, int64_t begin, int64_t end, F&& body) {
  int64_t idx[kMaxCopyRank] = {};
  int64_t so = 0, dof = 0, rem = begin;
  for (int d = o.n - 1; d >= 0; --d) {
    idx[d] = rem % o.dims[d];
    rem /= o.dims[d];
    so += idx[d] * o.src[d];
    dof += idx[d] * o.dst[d];
  }
  for (int64_t i = begin; i < end; ++i) {
    body(so, dof, o.n ? idx[o.n - 1] : int64_t{0});
    for (int d = o.n - 1; d >= 0; --d) {
      so += o.src[d];
      dof += o.dst[d];
      if (++idx[d] < o.dims[d]) break;
      so -= o.src[d] * o.dims[d];
      dof -= o.dst[d] * o.dims[d];
      idx[d] = 0;
    }
  }
}

template <class T> void copy_plan(const T* src, T* dst, const CopyPlan& q, ThreadPool* pool) {
  const int last = q.rank - 1;
  const int64_t L = q.dims[last], sl = q.src[last], dl = q.dst[last];
  // Contiguous runs: memcpy per row.
  if (sl == 1 && dl == 1) {
    Outer o;
    for (int d = 0; d < last; ++d) o.add(q.dims[d], q.src[d], q.dst[d]);
    split_work(pool, o.count(), std::max<int64_t>(1, kChunkElems / L), [&](int64_t b, int64_t e) {
      for_outer(o, b, e, [&](int64_t so, int64_t dof, int64_t) {
        std::memcpy(dst + dof, src + so, static_cast<size_t>(L) * sizeof(T));
      });
    });
    return;
  }
  // A transpose: the destination's unit-stride dim is not the source's. Copy TB x TB tiles,
  // reading along the source's unit-stride dim p in the inner loop; both sides then touch only
  // TB cache lines per tile (TB = 16 measured best for 1- to 8-byte elements; 32 thrashes L1
  // when the strides are powers of two).
  int p = -1;
  if (dl == 1 && L >= 4) {
    for (int d = 0; d < last; ++d)
      if (q.src[d] == 1 && q.dims[d] >= 4) p = d;
  }
  if (p >= 0) {
    constexpr int64_t TB = 16;
    const int64_t P = q.dims[p], dp = q.dst[p];
    const int64_t blocks = (P + TB - 1) / TB;
    Outer o;
    for (int d = 0; d < last; ++d)
      if (d != p) o.add(q.dims[d], q.src[d], q.dst[d]);
    o.add(blocks, TB, TB * dp);  // innermost: a block of TB rows of dim p
    split_work(pool, o.count(), std::max<int64_t>(1, kChunkElems / (TB * L)), [&](int64_t b, int64_t e) {
      for_outer(o, b, e, [&](int64_t so, int64_t dof, int64_t blk) {
        const int64_t rows = std::min(TB, P - blk * TB);
        for (int64_t l0 = 0; l0 < L; l0 += TB) {
          const int64_t n = std::min(TB, L - l0);
          for (int64_t j = l0; j < l0 + n; ++j) {
            const T* s = src + so + j * sl;
            T* t = dst + dof + j;
            for (int64_t i = 0; i < rows; ++i) t[i * dp] = s[i];
          }
        }
      });
    });
    return;
  }
  // Anything else (broadcast rows of Tile, stepped Slice): a strided loop per row.
  Outer o;
  for (int d = 0; d < last; ++d) o.add(q.dims[d], q.src[d], q.dst[d]);
  split_work(pool, o.count(), std::max<int64_t>(1, kChunkElems / L), [&](int64_t b, int64_t e) {
    for_outer(o, b, e, [&](int64_t so, int64_t dof, int64_t) {
      const T* s = src + so;
      T* t = dst + dof;
      for (int64_t j = 0; j < L; ++j) t[j * dl] = s[j * sl];
    });
  });
}

}  // namespace

void strided_copy(const void* src, void* dst, size_t elem_size, const CopyPlan& plan, ThreadPool* pool) {
  CopyPlan q;
  for (int d = 0; d < plan.rank; ++d) {
    const int64_t n = plan.dims[d];
    if (n == 0) return;
    if (n == 1) continue;
    if (q.rank > 0) {
      const int k = q.rank - 1;
      if (q.src[k] == plan.src[d] * n && q.dst[k] == plan.dst[d] * n) {  // contiguous across both dims
        q.dims[k] *= n;
        q.src[k] = plan.src[d];
        q.dst[k] = plan.dst[d];
        continue;
      }
    }
    q.add(n, plan.src[d], plan.dst[d]);
  }
  if (q.rank == 0) {
    std::memcpy(dst, src, elem_size);
    return;
  }
  switch (elem_size) {
    case 1: copy_plan(static_cast<const uint8_t*>(src), static_cast<uint8_t*>(dst), q, pool); break;
    case 2: copy_plan(static_cast<const uint16_t*>(src), static_cast<uint16_t*>(dst), q, pool); break;
    case 4: copy_plan(static_cast<const uint32_t*>(src), static_cast<uint32_t*>(dst), q, pool); break;
    case 8: copy_plan(static_cast<const uint64_t*>(src), static_cast<uint64_t*>(dst), q, pool); break;
    default: throw Error(ErrorKind::kInternal, "strided_copy: element size " + std::to_string(elem_size));
  }
}

void index_out_of_range(const Node& n, int64_t index, int64_t dim, const char* what) {
  throw Error(ErrorKind::kInvalidArgument, Graph::where(n) + ": " + what + " " + std::to_string(index) +
                                               " is out of range for an axis of size " + std::to_string(dim));
}

double load_as_double(const TensorView& t, int64_t i) {
  if (t.dtype == DType::kF16) return half_to_float(static_cast<const uint16_t*>(t.data)[i]);
  return dispatch_all(t.dtype, [&](auto tag) { return static_cast<double>(static_cast<const decltype(tag)*>(t.data)[i]); });
}

void store_from_double(DType t, void* dst, double v) {
  if (t == DType::kF16) {
    *static_cast<uint16_t*>(dst) = float_to_half(static_cast<float>(v));
    return;
  }
  if (t == DType::kBool) {
    *static_cast<bool*>(dst) = v != 0;
    return;
  }
  dispatch_numeric(t, [&](auto tag) { *static_cast<decltype(tag)*>(dst) = static_cast<decltype(tag)>(v); });
}

void fill_elems(void* dst, const void* value, size_t elem_size, int64_t n) {
  if (n <= 0) return;
  char* d = static_cast<char*>(dst);
  std::memcpy(d, value, elem_size);
  // Doubling copies: log(n) memcpy calls.
  int64_t done = 1;
  while (done < n) {
    const int64_t k = std::min(done, n - done);
    std::memcpy(d + done * elem_size, d, static_cast<size_t>(k) * elem_size);
    done += k;
  }
}

DType dtype_from_onnx_code(int64_t code) {
  switch (code) {
    case 1: return DType::kF32;
    case 2: return DType::kU8;
    case 3: return DType::kI8;
    case 4: return DType::kU16;
    case 5: return DType::kI16;
    case 6: return DType::kI32;
    case 7: return DType::kI64;
    case 9: return DType::kBool;
    case 10: return DType::kF16;
    case 11: return DType::kF64;
    case 12: return DType::kU32;
    case 13: return DType::kU64;
    default: return DType::kUndefined;
  }
}

void add_op(OpRegistry& r, const char* op, InferFn infer, KernelFn fn, bool aliases) {
  OpSchema s;
  s.op_type = op;
  s.infer = infer;
  s.output_aliases_input = aliases;
  s.kernels.push_back(KernelDef{"ref", fn});
  r.add(std::move(s));
}

}  // namespace edgewm::ref::mv
