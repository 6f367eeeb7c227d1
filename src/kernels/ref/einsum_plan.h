#pragma once
// An Einsum equation resolved against its operands' shapes: what the reference loop
// (ref/nn_einsum.cc) and the GEMM-shaped fast kernels (gemm/einsum_blocked.cc) both run.
#include <string>
#include <string_view>

#include "edgewm/shape.h"
#include "ir/attribute.h"
#include "ir/op_registry.h"

namespace edgewm {

constexpr int kMaxOperands = 8;
constexpr int kLetterLabels = 52;                          // a-z, A-Z
constexpr int kMaxLabels = kLetterLabels + Shape::kMaxRank;  // + ellipsis dims

struct EinsumPlan {
  int num_ops = 0;
  int64_t size[kMaxLabels] = {};
  bool used[kMaxLabels] = {};
  // Element stride of each label in each operand (summed over repeats: diagonals) and output.
  int64_t op_stride[kMaxOperands][kMaxLabels] = {};
  int64_t out_stride[kMaxLabels] = {};
  int out_rank = 0;
  int out_labels[Shape::kMaxRank] = {};
  int num_sum = 0;
  int sum_labels[kMaxLabels] = {};
  Shape out;
  // GEMM fast path (2 operands).
  bool gemm = false;
  bool swap = false;  // operands exchanged so that the output's last label is the N label
  int lm = -1, ln = -1, lk = -1;
  int num_batch = 0;
  int batch_labels[Shape::kMaxRank] = {};
  int64_t M = 1, N = 1, K = 1, batches = 1;
};

// Parses `eq` for operands of the given shapes. Returns "" or the problem; *unsupported tells
// a valid equation this code does not handle from a malformed one. Sets p.gemm for two-operand
// contractions with at most one label per row / column / depth group (batched matmul patterns
// such as attention's "bhid,bhjd->bhij" and "bhij,bhjd->bhid").
std::string plan_einsum(std::string_view eq, const Shape* shapes, int n, EinsumPlan& p, bool* unsupported);
std::string_view einsum_equation(const Attributes& a);
// The plan of a node that passed inference (so it cannot fail), for its kernels.
EinsumPlan plan_einsum(const KernelContext& ctx);

}  // namespace edgewm
