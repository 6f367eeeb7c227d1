// QDQ models (ONNX Runtime's quantize_static, PT2E, NNCF) spell an integer convolution as
// DequantizeLinear(activation) and DequantizeLinear(int8 weights) feeding a float Conv whose
// output goes straight into QuantizeLinear. This pass turns each such group into the integer op
// it stands for — QLinearConv, QLinearMatMul — with the bias as int32 in units of
// x_scale * w_scale, so the integer kernels run it. Then the DequantizeLinear nodes left with
// constant inputs (weights of ops that stay float) are folded, as constant folding would have
// done had DequantizeLinear not been kept for this pass (kernels/ref/quant.cc: never_fold).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "edgewm/thread_pool.h"
#include "ir/op_registry.h"
#include "kernels/evaluate_node.h"
#include "kernels/ref/movement.h"
#include "kernels/ref/quant.h"
#include "kernels/register_ops.h"
#include "passes/fuse.h"
#include "passes/qdq_match.h"
#include "passes/rewrite.h"

namespace edgewm {

namespace {

using qdq::dq_of;
using qdq::is_int8;
using qdq::is_op;
using qdq::params;

int64_t dq_axis(const Node& dq, int rank) {
  const int64_t a = dq.attrs.get_int("axis", 1);
  return a < 0 ? a + rank : a;
}

float scale_at(const Graph& g, ValueId s, int64_t i) {
  const TensorView& t = g.value(s).constant;
  return t.as<float>()[t.numel() == 1 ? 0 : i];
}

Tensor filled_scalar(float v) {
  Tensor t(DType::kF32, Shape{});
  *t.as<float>() = v;
  return t;
}

// The bias as int32 in units of x_scale * w_scale[m]: from a float constant (rounded, as the
// quantisers do) or a DequantizeLinear of an int32 constant (re-expressed if its scale differs).
bool int32_bias(Graph& g, const std::vector<size_t>& producer, ValueId b, ValueId x_scale, ValueId w_scale, int64_t m,
                ValueId& out, std::vector<size_t>& chain, const std::vector<std::vector<size_t>>& readers) {
  if (b == kNoValue) {
    out = kNoValue;
    return true;
  }
  const float xs = scale_at(g, x_scale, 0);
  std::vector<double> real(static_cast<size_t>(m));
  size_t di = 0;
  if (const Node* dq = dq_of(g, producer, b, &di)) {
    const Value& q = g.value(dq->inputs[0]);
    if (!q.is_constant() || q.dtype != DType::kI32 || q.constant.numel() != m) return false;
    if (!params(g, *dq, g.value(dq->inputs[1]).constant.numel(), DType::kI32)) return false;
    const int64_t ns = g.value(dq->inputs[1]).constant.numel();
    if (ns != 1 && ns != m) return false;
    for (int64_t i = 0; i < m; ++i) {
      const double zp = dq->inputs.size() > 2 && dq->inputs[2] != kNoValue ? g.value(dq->inputs[2]).constant.as<int32_t>()[ns == 1 ? 0 : i] : 0;
      real[static_cast<size_t>(i)] = (q.constant.as<int32_t>()[i] - zp) * static_cast<double>(scale_at(g, dq->inputs[1], i));
    }
    if (readers[static_cast<size_t>(b)].size() == 1 && !g.is_graph_output(b)) chain.push_back(di);
  } else {
    const Value& f = g.value(b);
    if (!f.is_constant() || f.dtype != DType::kF32 || f.constant.numel() != m) return false;
    for (int64_t i = 0; i < m; ++i) real[static_cast<size_t>(i)] = f.constant.as<float>()[i];
  }
  Tensor t(DType::kI32, Shape{m});
  for (int64_t i = 0; i < m; ++i) {
    const double unit = static_cast<double>(xs) * scale_at(g, w_scale, i);
    double v = std::nearbyint(real[static_cast<size_t>(i)] / unit);
    if (!std::isfinite(v) || std::fabs(v) > std::numeric_limits<int32_t>::max()) return false;  // would not fit: stay float
    t.as<int32_t>()[i] = static_cast<int32_t>(v);
  }
  out = g.add_constant(g.value(b).name + "/int32", std::move(t));
  return true;
}

// The pieces of one DQ -> op [-> Relu / Clip] -> Q group.
struct Group {
  size_t dq_x = 0, dq_w = 0, q = 0;
  size_t act = SIZE_MAX;      // a Relu or Clip between the op and its Q (NNCF quantises after it)
  float act_lo = 0, act_hi = 0;
  // Conv -> [Add(DQ(r))] -> [activation] -> Q where no integer clamp stands for them (PT2E's and
  // NNCF's placement): edgewm.QLinearConv's float epilogue, the activation as its attributes.
  bool float_epilogue = false;
  size_t add = SIZE_MAX, dq_r = SIZE_MAX;
  Attributes act_attrs;
  bool x_per_channel = false;  // x's scale per channel (NNCF's depthwise inputs)
  // Set when x's per-channel scale is folded into the weights' (each output channel reads one
  // input channel): x_scale 1, x's one zero point, w_scale[m] = x_scale[m's channel] * w_scale[m].
  ValueId x_scale = kNoValue, x_zp = kNoValue, w_scale = kNoValue;
  std::vector<size_t> chain;  // nodes the fused op replaces
};

// A Relu, or a Clip with constant (or absent) bounds: [lo, hi] of its output.
bool clamp_of(const Graph& g, const Node& n, float& lo, float& hi) {
  lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
  if (is_op(n, "Relu")) return lo = 0, true;
  if (!is_op(n, "Clip")) return false;
  if (n.opset < 11) {
    lo = n.attrs.get_float("min", lo), hi = n.attrs.get_float("max", hi);
    return lo <= hi;
  }
  for (size_t i : {size_t{1}, size_t{2}}) {
    if (i >= n.inputs.size() || n.inputs[i] == kNoValue) continue;
    const Value& v = g.value(n.inputs[i]);
    if (!v.is_constant() || v.dtype != DType::kF32 || v.constant.numel() != 1) return false;
    (i == 1 ? lo : hi) = v.constant.as<float>()[0];
  }
  return lo <= hi;  // NaN bounds fail this too
}

// Conv or MatMul node k: x from DQ (per tensor), w from DQ of a constant (per tensor, or per
// output channel along `w_axis`) — or, with dynamic_w (MatMul: attention's products), of an
// activation, per tensor — output read only by a Q (per tensor).
// x_channels > 0: x's scale may also be per channel along axis 1 (that many), with one zero
// point value for all.
// float_epilogue: a residual Add and any conv activation may stand before the Q (Conv).
bool match(const Graph& g, const std::vector<size_t>& producer, const std::vector<std::vector<size_t>>& readers, size_t k,
           int64_t channels, int w_axis, Group& m, std::string& why, bool dynamic_w = false, int64_t x_channels = 0,
           bool float_epilogue = false) {
  const Node& n = g.nodes[k];
  auto no = [&](const char* reason) {
    why = reason;
    return false;
  };
  if (n.outputs.size() != 1 || n.inputs.size() < 2) return no("unexpected inputs or outputs");
  const Node* dx = dq_of(g, producer, n.inputs[0], &m.dq_x);
  const Node* dw = dq_of(g, producer, n.inputs[1], &m.dq_w);
  if (!dx || dx->inputs.empty()) return no("its input is not dequantised");
  if (!dw || dw->inputs.empty()) return no("its weights are not dequantised (float weights)");
  const Value& xq = g.value(dx->inputs[0]);
  const Value& wq = g.value(dw->inputs[0]);
  if (!is_int8(xq.dtype) || !is_int8(wq.dtype)) return no("not 8-bit (only u8/s8 activations and weights are)");
  if (xq.is_constant()) return no("its input is a constant");
  if (!wq.is_constant() && !dynamic_w) return no("its weights are not constant");
  if (!params(g, *dx, 1, xq.dtype)) {
    bool per_channel = x_channels > 0 && xq.shape.rank() >= 2 && dq_axis(*dx, xq.shape.rank()) == 1 &&
                       params(g, *dx, x_channels, xq.dtype);
    if (per_channel && dx->inputs.size() > 2 && dx->inputs[2] != kNoValue) {
      const TensorView& z = g.value(dx->inputs[2]).constant;
      for (int64_t i = 1; i < z.numel() && per_channel; ++i) per_channel = ref::mv::load_as_double(z, i) == ref::mv::load_as_double(z, 0);
    }
    if (!per_channel)
      return no(x_channels > 0 ? "the input's scale is neither one positive finite constant nor per channel with one zero point"
                               : "the input's scale is not one positive finite constant");
    m.x_per_channel = true;
  }
  const int64_t ws = g.value(dw->inputs[1]).is_constant() ? g.value(dw->inputs[1]).constant.numel() : 0;
  if (ws != 1 && !(ws == channels && dq_axis(*dw, wq.shape.rank()) == w_axis && wq.is_constant()))
    return no("the weights' scales are neither per tensor nor per output channel");
  if (!params(g, *dw, ws, wq.dtype)) return no("the weights' scales are not positive finite constants");
  if (dw->attrs.get_int("block_size", 0) != 0) return no("blocked weight scales");
  ValueId y = n.outputs[0];
  const auto* r = &readers[static_cast<size_t>(y)];
  if (r->size() != 1 || g.is_graph_output(y)) return no("its output is read by more than a QuantizeLinear");
  auto next = [&](size_t node, const char* read_elsewhere) {
    y = g.nodes[node].outputs[0];
    r = &readers[static_cast<size_t>(y)];
    return r->size() == 1 && !g.is_graph_output(y) ? true : no(read_elsewhere);
  };
  if (float_epilogue) {
    // op -> Add(DQ(r)) with r of the op's shape, per tensor: a residual.
    if (const Node& a = g.nodes[(*r)[0]]; is_op(a, "Add") && a.inputs.size() == 2 && a.outputs.size() == 1) {
      const ValueId other = a.inputs[0] == y ? a.inputs[1] : a.inputs[0];
      size_t di = 0;
      const Node* dr = other != y ? dq_of(g, producer, other, &di) : nullptr;
      const Value& ov = g.value(other);
      if (dr && dr->inputs.size() >= 2 && is_int8(g.value(dr->inputs[0]).dtype) &&
          params(g, *dr, 1, g.value(dr->inputs[0]).dtype) && dr->attrs.get_int("block_size", 0) == 0 && ov.shape_known &&
          g.value(y).shape_known && ov.shape == g.value(y).shape) {
        m.add = (*r)[0], m.dq_r = di, m.float_epilogue = true;
        if (!next(m.add, "its residual sum is read by more than a QuantizeLinear")) return false;
      }
    }
    // -> an activation, where a clamp on the integers cannot stand for it.
    const Node& a = g.nodes[(*r)[0]];
    float lo, hi;
    if (Attributes aa; a.inputs[0] == y && (m.float_epilogue || !clamp_of(g, a, lo, hi)) && conv_activation_attrs(g, a, aa)) {
      m.act = (*r)[0], m.act_attrs = std::move(aa), m.float_epilogue = true;
      if (!next(m.act, "its activation's output is read by more than a QuantizeLinear")) return false;
    }
  }
  // op -> Relu / Clip -> Q: Q(clamp(v, a, b)) = clamp(Q(v), Q(a), Q(b)) (Q is monotonic), exact.
  if (float lo, hi; !m.float_epilogue && clamp_of(g, g.nodes[(*r)[0]], lo, hi) && g.nodes[(*r)[0]].inputs[0] == y) {
    m.act = (*r)[0], m.act_lo = lo, m.act_hi = hi;
    y = g.nodes[m.act].outputs[0];
    r = &readers[static_cast<size_t>(y)];
    bool quantised = false;
    for (size_t k2 : *r) quantised = quantised || is_op(g.nodes[k2], "QuantizeLinear");
    if (!quantised) return no("its output is not quantised");
    if (r->size() != 1 || g.is_graph_output(y)) return no("its activation's output is read by more than a QuantizeLinear");
  }
  const Node& q = g.nodes[(*r)[0]];
  if (!is_op(q, "QuantizeLinear") || q.inputs[0] != y) return no("its output is not quantised");
  const DType qt = qdq::q_type(g, q);
  if (!is_int8(qt) || !params(g, q, 1, qt) || q.attrs.get_int("output_dtype", 0) != 0)
    return no("its output's quantisation is not 8-bit per tensor");
  m.q = (*r)[0];
  m.chain = {k, m.q};
  if (m.act != SIZE_MAX) m.chain.push_back(m.act);
  if (m.add != SIZE_MAX) {
    m.chain.push_back(m.add);
    const Node& a = g.nodes[m.add];
    const ValueId other = a.inputs[0] == n.outputs[0] ? a.inputs[1] : a.inputs[0];
    if (readers[static_cast<size_t>(other)].size() == 1 && !g.is_graph_output(other)) m.chain.push_back(m.dq_r);
  }
  // The DQs go with the group when it is their only reader (an activation DQ often feeds more).
  if (readers[static_cast<size_t>(n.inputs[0])].size() == 1 && !g.is_graph_output(n.inputs[0])) m.chain.push_back(m.dq_x);
  if (readers[static_cast<size_t>(n.inputs[1])].size() == 1 && !g.is_graph_output(n.inputs[1])) m.chain.push_back(m.dq_w);
  return true;
}

// A per-channel x scale where each of the M output channels reads one of the C input channels
// (group = C, one input channel a filter): folded into the weights' per-channel scale, x then
// scaled by 1 with its one zero point. The integer sums are the same; only the multipliers move.
void fold_x_scale(Graph& g, Group& m, int64_t M, int64_t C) {
  const Node& dx = g.nodes[m.dq_x];
  const Node& dw = g.nodes[m.dq_w];
  const int64_t per = std::max<int64_t>(1, M / C);
  Tensor ws(DType::kF32, Shape{M});
  for (int64_t o = 0; o < M; ++o) ws.as<float>()[o] = scale_at(g, dx.inputs[1], o / per) * scale_at(g, dw.inputs[1], o);
  const std::string w_name = dw.name, x_name = dx.name;
  const DType xt = g.value(dx.inputs[0]).dtype;
  const double zv = dx.inputs.size() > 2 && dx.inputs[2] != kNoValue ? ref::mv::load_as_double(g.value(dx.inputs[2]).constant, 0) : 0;
  m.w_scale = g.add_constant(w_name + "/times_x_scale", std::move(ws));
  m.x_scale = g.add_constant(x_name + "/unit_scale", filled_scalar(1.f));
  m.x_zp = qdq::add_int8_scalar(g, xt, static_cast<int64_t>(zv), x_name + "/one_zero_point");
}

bool taken(const rewrite::Splicer& s, const std::vector<size_t>& chain) {
  for (size_t k : chain)
    if (s.taken(k)) return true;
  return false;
}

// Folds DequantizeLinear nodes whose inputs are all constant into their result.
int fold_constant_dequantize(Graph& g) {
  ThreadPool pool(1);
  std::set<size_t> drop;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& n = g.nodes[k];
    if (!is_op(n, "DequantizeLinear") || n.outputs.size() != 1) continue;
    bool constant = true;
    for (ValueId v : n.inputs) constant = constant && (v == kNoValue || g.value(v).is_constant());
    if (!constant) continue;
    std::vector<Tensor> out = evaluate_node(g, n, pool, KernelChoice::kReference);
    g.set_constant(n.outputs[0], std::move(out[0]));
    drop.insert(k);
  }
  if (!drop.empty()) rewrite::splice(g, drop, {});
  return static_cast<int>(drop.size());
}

}  // namespace

int fuse_qdq(Graph& g) { return fuse_qdq_with(g, /*require_fast_kernel=*/true); }

int fuse_qdq_with(Graph& g, bool require_fast_kernel) {
  // Until an integer kernel beats it, the float op on dequantised weights (fast f32 kernels)
  // is the faster way to run a group: the reference integer loops are the oracle, not a path.
  // An op with no kernel but the reference is skipped before anything is added to the graph.
  auto has_fast_kernel = [&](const char* op, const char* domain = "") {
    const OpSchema* s = builtin_ops().find(op, domain);
    return !require_fast_kernel || (s && s->kernels.size() > 1);
  };
  auto worth_it = [&](const Node& f) {
    if (!require_fast_kernel) return true;
    try {
      return builtin_ops().select(f, g).name != "ref";
    } catch (const Error&) {
      return false;
    }
  };
  // The integer op of group m: (x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp[, bias]), the
  // zero points made explicit; zp_names name the first two as the op's schema does.
  auto integer_node = [&](const Node& n, const Group& m, const char* op, const char* x_zp, const char* w_zp,
                          ValueId bias) {
    const Node& dx = g.nodes[m.dq_x];
    const Node& dw = g.nodes[m.dq_w];
    const Node& q = g.nodes[m.q];
    Node f = n;
    f.name = n.name + "/qlinear";
    f.op_type = op;
    f.opset = std::max(n.opset, 10);
    const DType xt = g.value(dx.inputs[0]).dtype, wt = g.value(dw.inputs[0]).dtype;
    const DType yt = qdq::q_type(g, q);
    const bool folded = m.x_scale != kNoValue;
    f.inputs = {dx.inputs[0], folded ? m.x_scale : dx.inputs[1], folded ? m.x_zp : qdq::zero_point_or_zero(g, dx, xt, f.name + "/" + x_zp),
                dw.inputs[0], folded ? m.w_scale : dw.inputs[1], qdq::zero_point_or_zero(g, dw, wt, f.name + "/" + w_zp),
                q.inputs[1],  qdq::zero_point_or_zero(g, q, yt, f.name + "/y_zero_point")};
    if (bias != kNoValue) f.inputs.push_back(bias);
    f.outputs = {q.outputs[0]};
    return f;
  };
  const bool conv_ok = has_fast_kernel("QLinearConv"), matmul_ok = has_fast_kernel("QLinearMatMul");
  const bool gemm_ok = has_fast_kernel("QGemm", "edgewm");
  const auto readers = rewrite::readers(g);
  const auto producer = rewrite::producers(g);
  rewrite::Splicer splicer;
  // The fused op in place of group m; with an activation between the op and its Q, the op's
  // output clamped on the integers: Clip(y, Q(lo), Q(hi)) (ONNX's Clip takes 8-bit tensors),
  // left out where that is the type's whole range (a Relu before a u8 Q with zero point 0).
  auto emit = [&](const Group& m, Node f) {
    if (m.act == SIZE_MAX || m.float_epilogue) return splicer.replace(m.chain, m.q, std::move(f));
    const Node& q = g.nodes[m.q];
    const Value& out = g.value(q.outputs[0]);
    const DType yt = qdq::q_type(g, q);
    const bool is_signed = yt == DType::kI8;
    const double tlo = is_signed ? -128 : 0, thi = is_signed ? 127 : 255;
    const double s = scale_at(g, q.inputs[1], 0);
    const double zp = q.inputs.size() > 2 && q.inputs[2] != kNoValue ? ref::mv::load_as_double(g.value(q.inputs[2]).constant, 0) : 0;
    auto quantised = [&](float v) {  // QuantizeLinear's arithmetic (infinities saturate)
      return ref::quant::quantize_value(v, static_cast<float>(s), static_cast<int64_t>(zp), static_cast<int64_t>(tlo),
                                        static_cast<int64_t>(thi));
    };
    const double lo = quantised(m.act_lo), hi = quantised(m.act_hi);
    if (lo == tlo && hi == thi) return splicer.replace(m.chain, m.q, std::move(f));
    Value t;
    t.name = out.name + "/unclamped";
    t.dtype = out.dtype, t.shape = out.shape, t.shape_known = out.shape_known;
    const ValueId tv = g.add_value(std::move(t));
    auto bound = [&](double v, const char* which) {
      return qdq::add_int8_scalar(g, yt, static_cast<int64_t>(v), f.name + "/" + which);
    };
    Node clip;
    clip.name = f.name + "/clamp";
    clip.op_type = "Clip";
    clip.opset = 13;
    clip.inputs = {tv, bound(lo, "min"), bound(hi, "max")};
    clip.outputs = {q.outputs[0]};
    f.outputs = {tv};
    splicer.replace(m.chain, m.q, std::move(f));
    splicer.replace(std::vector<size_t>{}, m.q, std::move(clip));  // after it: splice keeps their order
  };
  // QLinearConv -> edgewm.QLinearConv: the activation's attributes, the residual as inputs 9-11.
  auto float_epilogue_node = [&](const Group& m, Node& f) {
    f.domain = "edgewm";
    f.opset = 1;
    for (const Attribute& a : m.act_attrs.all()) f.attrs.set(a);
    if (m.add == SIZE_MAX) return;
    f.inputs.resize(9, kNoValue);  // no bias: input 8 stays empty
    const Node& dr = g.nodes[m.dq_r];
    f.inputs.push_back(dr.inputs[0]);
    f.inputs.push_back(dr.inputs[1]);
    f.inputs.push_back(qdq::zero_point_or_zero(g, dr, g.value(dr.inputs[0]).dtype, f.name + "/r_zero_point"));
  };
  // Why each op the quantiser meant to be integer (its input dequantised) stays float.
  std::vector<std::pair<std::string, std::string>> left_float;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& n = g.nodes[k];
    Group m;
    std::string why;
    size_t dq_in = 0;
    const bool intended = (is_op(n, "Conv") || is_op(n, "MatMul") || is_op(n, "Gemm")) && !n.inputs.empty() &&
                          dq_of(g, producer, n.inputs[0], &dq_in);
    if (is_op(n, "Conv") && conv_ok) {
      const Value& w = g.value(n.inputs[1]);
      if (!w.shape_known || w.shape.rank() < 3) {
        why = "weights of unknown shape";
      } else if (const int64_t channels = w.shape[0], group = n.attrs.get_int("group", 1);
                 match(g, producer, readers, k, channels, 0, m, why, false,
                       g.value(n.inputs[0]).shape_known && g.value(n.inputs[0]).shape.rank() >= 2 &&
                               g.value(n.inputs[0]).shape[1] == group && w.shape[1] == 1
                           ? group
                           : 0,
                       /*float_epilogue=*/true) &&
                 !taken(splicer, m.chain)) {
        if (m.x_per_channel) fold_x_scale(g, m, channels, group);
        ValueId bias = kNoValue;
        std::vector<size_t> bias_chain;
        if (!int32_bias(g, producer, n.inputs.size() > 2 ? n.inputs[2] : kNoValue,
                        m.x_scale != kNoValue ? m.x_scale : g.nodes[m.dq_x].inputs[1],
                        m.w_scale != kNoValue ? m.w_scale : g.nodes[m.dq_w].inputs[1], channels, bias, bias_chain, readers)) {
          why = "its bias does not fit int32 in units of x_scale * w_scale";
        } else {
          for (size_t b : bias_chain) m.chain.push_back(b);
          if (!taken(splicer, m.chain)) {
            Node f = integer_node(n, m, "QLinearConv", "x_zero_point", "w_zero_point", bias);
            if (m.float_epilogue) float_epilogue_node(m, f);
            if (worth_it(f)) {
              emit(m, std::move(f));
              continue;
            }
            why = "no integer kernel on this build takes it";
          }
        }
      }
    } else if (is_op(n, "MatMul") && matmul_ok) {
      const Value& w = g.value(n.inputs[1]);
      const Value& a = g.value(n.inputs[0]);
      if (!w.shape_known || !a.shape_known || w.shape.rank() < 2 || a.shape.rank() < 2) {
        why = "a 1-D operand or one of unknown shape";
      } else if (match(g, producer, readers, k, w.shape.rank() == 2 ? w.shape[1] : -1, 1, m, why, /*dynamic_w=*/true) &&
                 !taken(splicer, m.chain)) {
        // Per-column scales need a 2-D B; a batched or dynamic B takes one scale.
        Node f = integer_node(n, m, "QLinearMatMul", "a_zero_point", "b_zero_point", kNoValue);
        if (worth_it(f)) {
          emit(m, std::move(f));
          continue;
        }
        why = "no integer kernel on this build takes it";
      }
    } else if (is_op(n, "Gemm") && gemm_ok) {
      // edgewm.QGemm: ONNX Runtime's QGemm with alpha 1 (PyTorch's Linear: transB 1, C = bias).
      const Value& w = g.value(n.inputs[1]);
      const Value& a = g.value(n.inputs[0]);
      const bool tb = n.attrs.get_int("transB", 0) != 0;
      const ValueId c = n.inputs.size() > 2 ? n.inputs[2] : kNoValue;
      if (n.attrs.get_float("alpha", 1.f) != 1.f || (c != kNoValue && n.attrs.get_float("beta", 1.f) != 1.f) ||
          n.attrs.get_int("transA", 0) != 0) {
        why = "alpha or beta other than 1, or A transposed";
      } else if (!w.shape_known || !a.shape_known || w.shape.rank() != 2 || a.shape.rank() != 2) {
        why = "operands of unknown shape";
      } else if (const int64_t cols = tb ? w.shape[0] : w.shape[1];
                 match(g, producer, readers, k, cols, tb ? 0 : 1, m, why) && !taken(splicer, m.chain)) {
        ValueId bias = kNoValue;
        std::vector<size_t> bias_chain;
        if (!int32_bias(g, producer, c, g.nodes[m.dq_x].inputs[1], g.nodes[m.dq_w].inputs[1], cols, bias, bias_chain, readers)) {
          why = "its C is not one constant per column that fits int32 in units of a_scale * b_scale";
        } else {
          for (size_t b : bias_chain) m.chain.push_back(b);
          if (!taken(splicer, m.chain)) {
            Node f = integer_node(n, m, "QGemm", "a_zero_point", "b_zero_point", kNoValue);
            f.domain = "edgewm";
            f.opset = 1;
            f.inputs.insert(f.inputs.begin() + 6, bias);  // (A, as, az, B, bs, bz, C, ys, yz)
            f.attrs = Attributes{};
            if (tb) {
              Attribute t;
              t.name = "transB", t.kind = Attribute::Kind::kInt, t.i = 1;
              f.attrs.set(std::move(t));
            }
            if (worth_it(f)) {
              emit(m, std::move(f));
              continue;
            }
            why = "no integer kernel on this build takes it";
          }
        }
      }
    } else if (intended) {
      why = "no integer kernel on this build";
    }
    if (intended) left_float.emplace_back(n.name, why.empty() ? "shares a node with another fused group" : why);
  }
  const int fused = splicer.apply(g);
  for (auto& [node, why] : left_float) g.notes["quant.float." + node] = why;
  return fused + fold_constant_dequantize(g);
}

}  // namespace edgewm
