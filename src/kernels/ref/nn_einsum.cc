// Einsum: any equation numpy accepts (explicit or implicit output, repeated labels = diagonals,
// ellipsis broadcasting, size-1 broadcasting). The reference is a loop over the label index
// space; GEMM-shaped equations also have fast kernels (kernels/gemm/einsum_blocked.cc).
#include "kernels/ref/dispatch.h"
#include "kernels/ref/einsum_plan.h"
#include "kernels/ref/nn.h"

namespace edgewm {

using namespace ref::nn;

namespace {

int label_of(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return 26 + (c - 'A');
  return -1;
}
// ASCII order for implicit outputs (uppercase before lowercase).
int ascii_rank(int label) { return label >= 26 ? label - 26 : label + 26; }

}  // namespace

std::string plan_einsum(std::string_view eq_in, const Shape* shapes, int n, EinsumPlan& p, bool* unsupported) {
  *unsupported = false;
  if (n > kMaxOperands) {
    *unsupported = true;
    return "more than " + std::to_string(kMaxOperands) + " operands are not supported";
  }
  if (n < 1) return "Einsum needs at least one input";
  p.num_ops = n;
  // Strip spaces.
  char buf[512];
  size_t len = 0;
  for (char c : eq_in) {
    if (c == ' ') continue;
    if (len + 1 >= sizeof buf) return "equation is too long";
    buf[len++] = c;
  }
  std::string_view eq(buf, len);
  const size_t arrow = eq.find("->");
  const bool explicit_out = arrow != std::string_view::npos;
  std::string_view lhs = explicit_out ? eq.substr(0, arrow) : eq;
  std::string_view rhs = explicit_out ? eq.substr(arrow + 2) : std::string_view();
  int ell_rank = 0;  // broadcast rank of the ellipsis
  int ell_of[kMaxOperands] = {};
  int count[kMaxLabels] = {};
  // Pass 1: per-term letters and ellipsis ranks.
  std::string_view terms[kMaxOperands];
  {
    int t = 0;
    size_t start = 0;
    for (size_t i = 0; i <= lhs.size(); ++i) {
      if (i == lhs.size() || lhs[i] == ',') {
        if (t >= n) return "equation '" + std::string(eq) + "' has more terms than the " + std::to_string(n) + " inputs";
        terms[t++] = lhs.substr(start, i - start);
        start = i + 1;
      }
    }
    if (t != n) return "equation '" + std::string(eq) + "' has " + std::to_string(t) + " terms for " + std::to_string(n) + " inputs";
  }
  for (int i = 0; i < n; ++i) {
    int letters = 0;
    bool ell = false;
    std::string_view term = terms[i];
    for (size_t c = 0; c < term.size(); ++c) {
      if (term.substr(c, 3) == "...") {
        if (ell) return "term '" + std::string(term) + "' has two ellipses";
        ell = true;
        c += 2;
      } else if (label_of(term[c]) >= 0) {
        ++letters;
      } else {
        return "invalid character '" + std::string(1, term[c]) + "' in equation '" + std::string(eq) + "'";
      }
    }
    const int rank = shapes[i].rank();
    if (ell ? letters > rank : letters != rank)
      return "term '" + std::string(term) + "' does not match input " + std::to_string(i) + " of shape " + shapes[i].str();
    ell_of[i] = ell ? rank - letters : 0;
    ell_rank = std::max(ell_rank, ell_of[i]);
  }
  // Pass 2: label of every operand dim; label sizes (size 1 broadcasts); then strides.
  int dim_label[kMaxOperands][Shape::kMaxRank];
  for (int i = 0; i < n; ++i) {
    int dim = 0;
    std::string_view term = terms[i];
    for (size_t c = 0; c < term.size(); ++c) {
      if (term.substr(c, 3) == "...") {
        for (int e = 0; e < ell_of[i]; ++e) dim_label[i][dim++] = kLetterLabels + ell_rank - ell_of[i] + e;
        c += 2;
      } else {
        const int label = label_of(term[c]);
        ++count[label];
        dim_label[i][dim++] = label;
      }
    }
    for (int d = 0; d < shapes[i].rank(); ++d) {
      const int l = dim_label[i][d];
      const int64_t sz = shapes[i][d];
      if (!p.used[l] || p.size[l] == 1) {
        p.size[l] = sz;
      } else if (sz != 1 && sz != p.size[l]) {
        return "dimension " + std::to_string(d) + " of input " + std::to_string(i) + " " + shapes[i].str() +
               " has size " + std::to_string(sz) + ", its label elsewhere " + std::to_string(p.size[l]);
      }
      p.used[l] = true;
    }
  }
  for (int i = 0; i < n; ++i) {
    int64_t stride = 1;
    for (int d = shapes[i].rank() - 1; d >= 0; --d) {
      const int l = dim_label[i][d];
      if (shapes[i][d] == p.size[l] && p.size[l] != 1) p.op_stride[i][l] += stride;
      stride *= shapes[i][d];
    }
  }
  // Output labels.
  bool in_out[kMaxLabels] = {};
  p.out_rank = 0;
  auto add_out = [&](int label) -> std::string {
    if (p.out_rank >= Shape::kMaxRank) return "output rank exceeds " + std::to_string(Shape::kMaxRank);
    if (in_out[label]) return "output repeats a label";
    in_out[label] = true;
    p.out_labels[p.out_rank++] = label;
    return "";
  };
  if (explicit_out) {
    bool ell = false;
    for (size_t c = 0; c < rhs.size(); ++c) {
      if (rhs.substr(c, 3) == "...") {
        if (ell) return "output has two ellipses";
        ell = true;
        for (int e = 0; e < ell_rank; ++e) {
          std::string err = add_out(kLetterLabels + e);
          if (!err.empty()) return err;
        }
        c += 2;
        continue;
      }
      const int label = label_of(rhs[c]);
      if (label < 0) return "invalid character '" + std::string(1, rhs[c]) + "' in the output of '" + std::string(eq) + "'";
      if (!count[label]) return "output label '" + std::string(1, rhs[c]) + "' appears in no input";
      std::string err = add_out(label);
      if (!err.empty()) return err;
    }
    if (!ell && ell_rank > 0) return "inputs have ellipsis dims but the output '" + std::string(rhs) + "' has no '...'";
  } else {
    for (int e = 0; e < ell_rank; ++e) add_out(kLetterLabels + e);
    int singles[kLetterLabels];
    int ns = 0;
    for (int l = 0; l < kLetterLabels; ++l)
      if (count[l] == 1) singles[ns++] = l;
    std::sort(singles, singles + ns, [](int a, int b) { return ascii_rank(a) < ascii_rank(b); });
    for (int i = 0; i < ns; ++i) {
      std::string err = add_out(singles[i]);
      if (!err.empty()) return err;
    }
  }
  p.out = Shape();
  int64_t acc = 1;
  for (int d = p.out_rank - 1; d >= 0; --d) {
    p.out_stride[p.out_labels[d]] = acc;
    acc *= p.size[p.out_labels[d]];
  }
  for (int d = 0; d < p.out_rank; ++d) p.out.push_back(p.size[p.out_labels[d]]);
  p.num_sum = 0;
  for (int l = 0; l < kMaxLabels; ++l)
    if (p.used[l] && !in_out[l]) p.sum_labels[p.num_sum++] = l;

  // GEMM fast path.
  p.gemm = false;
  if (n == 2) {
    bool ok = true;
    int nm = 0, nn = 0, nk = 0;
    p.num_batch = 0;
    for (int i = 0; i < 2; ++i) {
      // No diagonals: every label at most once per operand.
      int seen[kMaxLabels] = {};
      std::string_view term = terms[i];
      for (char c : term)
        if (label_of(c) >= 0 && ++seen[label_of(c)] > 1) ok = false;
    }
    for (int l = 0; ok && l < kMaxLabels; ++l) {
      if (!p.used[l]) continue;
      // Presence by term, not by stride (size-1 dims have stride 0).
      bool in_a = false, in_b = false;
      for (char c : terms[0]) in_a |= label_of(c) == l;
      for (char c : terms[1]) in_b |= label_of(c) == l;
      if (l >= kLetterLabels) {
        const int e = l - kLetterLabels;
        in_a = e >= ell_rank - ell_of[0];
        in_b = e >= ell_rank - ell_of[1];
      }
      if (in_out[l] && in_a && in_b) {
        p.batch_labels[p.num_batch++] = l;
      } else if (in_out[l] && in_a) {
        p.lm = l, ++nm;
      } else if (in_out[l] && in_b) {
        p.ln = l, ++nn;
      } else if (in_a && in_b) {
        p.lk = l, ++nk;
      } else {
        ok = false;  // a label summed within one operand only
      }
    }
    ok = ok && nm <= 1 && nn <= 1 && nk <= 1;
    if (ok) {
      if (nm == 0) p.lm = -1;
      if (nn == 0) p.ln = -1;
      if (nk == 0) p.lk = -1;
      // C[i][j] needs unit stride along N: the N label must be the output's last; else swap.
      const int last = p.out_rank ? p.out_labels[p.out_rank - 1] : -1;
      if (p.ln >= 0 && last != p.ln) {
        if (p.lm >= 0 && last == p.lm) {
          p.swap = true;
          std::swap(p.lm, p.ln);
        } else {
          ok = false;
        }
      }
    }
    if (ok) {
      p.gemm = true;
      p.M = p.lm >= 0 ? p.size[p.lm] : 1;
      p.N = p.ln >= 0 ? p.size[p.ln] : 1;
      p.K = p.lk >= 0 ? p.size[p.lk] : 1;
      p.batches = 1;
      for (int i = 0; i < p.num_batch; ++i) p.batches *= p.size[p.batch_labels[i]];
      // Batch labels in output order, so the batch index walks the output.
      std::sort(p.batch_labels, p.batch_labels + p.num_batch,
                [&](int a, int b) { return p.out_stride[a] > p.out_stride[b]; });
    }
  }
  return "";
}

std::string_view einsum_equation(const Attributes& a) { return a.get_string("equation", ""); }

EinsumPlan plan_einsum(const KernelContext& ctx) {
  Shape shapes[kMaxOperands];
  const int n = static_cast<int>(ctx.inputs.size());
  for (int i = 0; i < n; ++i) shapes[i] = ctx.in(i).shape;
  EinsumPlan p;
  bool unsupported = false;
  plan_einsum(einsum_equation(ctx.attrs()), shapes, n, p, &unsupported);
  return p;
}

namespace {

void infer_einsum(InferContext& ctx) {
  const size_t n = ctx.num_inputs();
  if (n < 1) ctx.fail("Einsum needs at least one input");
  ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kI32, DType::kI64});
  Shape shapes[kMaxOperands];
  if (n > static_cast<size_t>(kMaxOperands)) ctx.unsupported("more than " + std::to_string(kMaxOperands) + " operands are not supported");
  for (size_t i = 0; i < n; ++i) {
    if (ctx.dtype(i) != ctx.dtype(0)) ctx.fail("inputs differ in dtype");
    shapes[i] = ctx.shape(i);
  }
  if (!ctx.attrs().has("equation")) ctx.fail("attribute 'equation' is required");
  EinsumPlan p;
  bool unsupported = false;
  std::string err = plan_einsum(einsum_equation(ctx.attrs()), shapes, static_cast<int>(n), p, &unsupported);
  if (!err.empty()) {
    if (unsupported) ctx.unsupported(err);
    ctx.fail(err);
  }
  ctx.set_output(0, ctx.dtype(0), p.out);
}

}  // namespace

namespace {

template <class T> void einsum_loop(const KernelContext& ctx, const EinsumPlan& p) {
  const int n = p.num_ops;
  const T* X[kMaxOperands];
  for (int i = 0; i < n; ++i) X[i] = ctx.in(i).as<T>();
  T* Y = ctx.out(0).as<T>();
  const int64_t total = ctx.out(0).numel();
  int64_t inner = 1;
  for (int s = 0; s < p.num_sum; ++s) inner *= p.size[p.sum_labels[s]];
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, T>;
  ctx.pool->parallel_for(total, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, inner)), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      int64_t base[kMaxOperands] = {};
      int64_t rem = o;
      for (int d = p.out_rank - 1; d >= 0; --d) {
        const int l = p.out_labels[d];
        const int64_t v = rem % p.size[l];
        rem /= p.size[l];
        for (int i = 0; i < n; ++i) base[i] += v * p.op_stride[i][l];
      }
      Acc acc = Acc(0);
      int64_t idx[kMaxLabels] = {};
      int64_t off[kMaxOperands];
      for (int i = 0; i < n; ++i) off[i] = base[i];
      for (int64_t it = 0; it < inner; ++it) {
        Acc prod = static_cast<Acc>(X[0][off[0]]);
        for (int i = 1; i < n; ++i) prod *= static_cast<Acc>(X[i][off[i]]);
        acc += prod;
        for (int s = p.num_sum - 1; s >= 0; --s) {
          const int l = p.sum_labels[s];
          if (++idx[s] < p.size[l]) {
            for (int i = 0; i < n; ++i) off[i] += p.op_stride[i][l];
            break;
          }
          idx[s] = 0;
          for (int i = 0; i < n; ++i) off[i] -= (p.size[l] - 1) * p.op_stride[i][l];
        }
      }
      Y[o] = static_cast<T>(acc);
    }
  });
}

void einsum_ref(const KernelContext& ctx) {
  const EinsumPlan p = plan_einsum(ctx);
  auto run = [&](auto t) { einsum_loop<decltype(t)>(ctx, p); };
  switch (ctx.in(0).dtype) {
    case DType::kI32: return run(int32_t{});
    case DType::kI64: return run(int64_t{});
    default: ref::dispatch_float(ctx.in(0).dtype, run);
  }
}

}  // namespace

void register_einsum_ops(OpRegistry& r) {
  r.add({"Einsum", "", infer_einsum, {KernelDef{"ref", einsum_ref}}});
}

}  // namespace edgewm
