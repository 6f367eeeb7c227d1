#pragma once
// Private to the shape / data-movement kernels (movement*.cc): registration of the sub-families,
// the strided copy engine that Transpose, Slice, Tile, DepthToSpace and SpaceToDepth run on, and
// small helpers for index inputs and dtype-generic scalars. Kernels copy by element size, so
// every dtype (f16 and bool included) moves through the same code.
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include "edgewm/thread_pool.h"
#include "edgewm/tensor.h"
#include "ir/op_registry.h"

namespace edgewm {

void register_movement_pad_ops(OpRegistry& r);    // movement_pad.cc: Pad, CenterCropPad, Tile, DepthToSpace, SpaceToDepth, ReverseSequence
void register_movement_index_ops(OpRegistry& r);  // movement_index.cc: GatherElements, GatherND, ScatterElements, Scatter, ScatterND, OneHot
void register_movement_fill_ops(OpRegistry& r);   // movement_fill.cc: ConstantOfShape, Range, Trilu, EyeLike

namespace ref::mv {

// ---- strided copy ------------------------------------------------------------------------
// dst[sum idx[d] * dst_stride[d]] = src[sum idx[d] * src_stride[d]] for every idx < dims (element
// strides, which may be negative or 0 for the source). Ranks up to 2 * Shape::kMaxRank, so Tile
// can describe itself as (repeat, dim) pairs.
inline constexpr int kMaxCopyRank = 2 * Shape::kMaxRank;

struct CopyPlan {
  int rank = 0;
  int64_t dims[kMaxCopyRank] = {};
  int64_t src[kMaxCopyRank] = {};
  int64_t dst[kMaxCopyRank] = {};
  void add(int64_t dim, int64_t src_stride, int64_t dst_stride) {
    dims[rank] = dim;
    src[rank] = src_stride;
    dst[rank] = dst_stride;
    ++rank;
  }
};

// Drops size-1 dims and merges dims that are contiguous in both source and destination, then
// copies with memcpy of contiguous runs, a cache-blocked 2-D transpose when the source's and the
// destination's unit-stride dims differ, or a typed strided loop. Splits the work over `pool`
// (null: inline).
void strided_copy(const void* src, void* dst, size_t elem_size, const CopyPlan& plan, ThreadPool* pool);

// Elements a parallel chunk should move at least, so small copies stay on one thread.
inline constexpr int64_t kChunkElems = 32 * 1024;

// fn(begin, end) over chunks of [0, total) of at least `grain`, on `pool` when it pays.
template <class F> void split_work(ThreadPool* pool, int64_t total, int64_t grain, F&& fn) {
  if (total <= 0) return;
  if (pool && total > grain) {
    pool->parallel_for(total, grain, [&](int64_t b, int64_t e) { fn(b, e); });
  } else {
    fn(0, total);
  }
}

// Row-major element strides of `s` into st[0..rank).
inline void contiguous_strides(const Shape& s, int64_t* st) {
  int64_t n = 1;
  for (int i = s.rank() - 1; i >= 0; --i) st[i] = n, n *= s[i];
}

// Product of dims [begin, end).
inline int64_t dims_product(const Shape& s, int begin, int end) {
  int64_t n = 1;
  for (int i = begin; i < end; ++i) n *= s[i];
  return n;
}

// ---- index inputs --------------------------------------------------------------------------

// Element i of an i32 or i64 tensor (inference has checked the dtype).
inline int64_t index_at(const TensorView& t, int64_t i) {
  return t.dtype == DType::kI64 ? static_cast<const int64_t*>(t.data)[i] : static_cast<const int32_t*>(t.data)[i];
}

// An integer parameter input (i32 or i64) read into buf[0..cap): slice starts, pads, axes.
inline std::span<const int64_t> read_ints(const TensorView& t, int64_t* buf, int64_t cap) {
  const int64_t n = std::min<int64_t>(t.numel(), cap);
  for (int64_t i = 0; i < n; ++i) buf[i] = index_at(t, i);
  return {buf, static_cast<size_t>(n)};
}

// The error a kernel throws for an index that inference could not check (it was not constant).
[[noreturn]] void index_out_of_range(const Node& n, int64_t index, int64_t dim, const char* what = "index");

// ---- dtype-generic scalars -----------------------------------------------------------------

// Element i of any numeric/bool/f16 tensor as a double.
double load_as_double(const TensorView& t, int64_t i);
// Writes `v` as one element of dtype `t` (f16 rounded, bool is v != 0, integers truncated).
void store_from_double(DType t, void* dst, double v);
// Copies one element of `elem_size` bytes into n consecutive slots.
void fill_elems(void* dst, const void* value, size_t elem_size, int64_t n);

// ONNX TensorProto.DataType code -> DType; kUndefined when edgewm has no such dtype.
DType dtype_from_onnx_code(int64_t code);

// Registers a schema with one "ref" kernel.
void add_op(OpRegistry& r, const char* op, InferFn infer, KernelFn fn, bool aliases = false);

}  // namespace ref::mv
}  // namespace edgewm
