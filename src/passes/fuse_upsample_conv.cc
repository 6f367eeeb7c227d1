// Resize (nearest, exactly 2x in H and W) -> Conv (3x3, stride 1, padding 1, one group, constant
// weights) -> edgewm.UpsampleConv on the low-resolution input: a UNet upsampler. Each output
// phase (row and column parity) of that conv reads 2x2 input pixels, so the 3x3 kernel becomes
// four 2x2 kernels (rows {0}, {1,2} for even output rows, {0,1}, {2} for odd ones; the same for
// columns): 2.25x fewer multiplies, and the 4x larger upsampled tensor is never written.
#include <cmath>

#include "edgewm/thread_pool.h"
#include "kernels/ref/nn.h"
#include "passes/fuse.h"
#include "passes/rewrite.h"
#include "kernels/evaluate_node.h"

namespace edgewm {

namespace {

// Whether `resize` maps output (i, j) to input (i / 2, j / 2) on a [N, C, H, W] tensor. Its
// coordinate mode and rounding rule are not parsed here: the Resize kernel itself runs on a
// probe whose elements are their own flat index, so every spelling exporters use (asymmetric +
// floor, half_pixel + round_prefer_floor, legacy Upsample...) is judged by what it computes.
bool is_nearest_2x(const Graph& g, const Node& resize) {
  if ((resize.op_type != "Resize" && resize.op_type != "Upsample") || !resize.domain.empty()) return false;
  if (resize.attrs.get_string("mode", "nearest") != "nearest" || resize.outputs.size() != 1) return false;
  const Value &x = g.value(resize.inputs[0]), &y = g.value(resize.outputs[0]);
  if (x.dtype != DType::kF32 || !x.shape_known || !y.shape_known || x.shape.rank() != 4) return false;
  const Shape& s = x.shape;
  if (y.shape != Shape{s[0], s[1], 2 * s[2], 2 * s[3]} || s.numel() == 0 || s.numel() > (1 << 22)) return false;
  Graph probe;
  Node n = resize;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (n.inputs[i] == kNoValue) continue;
    const Value& v = g.value(n.inputs[i]);
    if (i == 0) {
      Tensor t(DType::kF32, s);
      for (int64_t k = 0; k < t.numel(); ++k) t.as<float>()[k] = static_cast<float>(k);
      n.inputs[i] = probe.add_constant("probe", std::move(t));
    } else if (v.is_constant()) {
      n.inputs[i] = probe.add_constant(v.name, Tensor::copy_of(v.constant));
    } else {
      return false;  // sizes or scales computed at run time
    }
  }
  Value out = y;
  out.constant = {};
  out.storage.reset();
  n.outputs = {probe.add_value(out)};
  ThreadPool pool(1);
  std::vector<Tensor> r;
  try {
    r = evaluate_node(probe, n, pool, KernelChoice::kReference);
  } catch (const std::exception&) {
    return false;
  }
  if (r.size() != 1 || r[0].shape() != y.shape) return false;
  const float* p = r[0].as<float>();
  const int64_t H = s[2], W = s[3];
  for (int64_t plane = 0; plane < s[0] * s[1]; ++plane)
    for (int64_t i = 0; i < 2 * H; ++i)
      for (int64_t j = 0; j < 2 * W; ++j)
        if (p[(plane * 2 * H + i) * 2 * W + j] != static_cast<float>((plane * H + i / 2) * W + j / 2)) return false;
  return true;
}

// A 3x3, stride 1, padding 1 ('same'), undilated, single-group Conv with constant f32 weights.
bool is_same_3x3(const Graph& g, const Node& conv) {
  if (conv.op_type != "Conv" || !conv.domain.empty() || conv.inputs.size() < 2 || conv.outputs.size() != 1) return false;
  const Value &x = g.value(conv.inputs[0]), &w = g.value(conv.inputs[1]);
  if (!w.is_constant() || w.dtype != DType::kF32 || w.shape.rank() != 4 || w.shape[2] != 3 || w.shape[3] != 3)
    return false;
  if (!x.shape_known || x.shape.rank() != 4 || w.shape[1] != x.shape[1] || conv.attrs.get_int("group", 1) != 1)
    return false;
  if (conv.inputs.size() > 2 && conv.inputs[2] != kNoValue && g.value(conv.inputs[2]).dtype != DType::kF32)
    return false;
  ref::nn::Window win;
  bool unsupported = false;
  const int64_t k[2] = {3, 3};
  if (!ref::nn::compute_window(conv.attrs, x.shape, k, false, true, win, &unsupported).empty()) return false;
  for (int d = 0; d < 2; ++d)
    if (win.stride[d] != 1 || win.dilation[d] != 1 || win.pad_begin[d] != 1 || win.pad_end[d] != 1) return false;
  return true;
}

// Wp[2py+px][m][c][i][j] = sum of W[m][c][ky][kx] over ky in rows(py, i), kx in rows(px, j).
Tensor phase_weights(const TensorView& w) {
  const int64_t M = w.shape[0], C = w.shape[1];
  static constexpr int kFirst[2][2] = {{0, 1}, {0, 2}};  // [parity][tap]: first kernel row summed
  static constexpr int kLast[2][2] = {{0, 2}, {1, 2}};   // and last
  Tensor wp(DType::kF32, Shape{4, M, C, 2, 2});
  const float* src = w.as<float>();
  float* dst = wp.as<float>();
  for (int p = 0; p < 4; ++p)
    for (int64_t mc = 0; mc < M * C; ++mc)
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) {
          double s = 0;
          for (int ky = kFirst[p / 2][i]; ky <= kLast[p / 2][i]; ++ky)
            for (int kx = kFirst[p % 2][j]; kx <= kLast[p % 2][j]; ++kx) s += src[mc * 9 + ky * 3 + kx];
          dst[((p * M * C + mc) * 2 + i) * 2 + j] = static_cast<float>(s);
        }
  return wp;
}

}  // namespace

int fuse_upsample_conv(Graph& g) {
  const auto readers = rewrite::readers(g);
  const auto producers = rewrite::producers(g);
  rewrite::Splicer splicer;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& conv = g.nodes[k];
    if (!is_same_3x3(g, conv)) continue;
    const ValueId up = conv.inputs[0];
    const size_t r = producers[static_cast<size_t>(up)];
    if (r == SIZE_MAX || splicer.taken(r) || !rewrite::only_reader(g, readers, up, k)) continue;
    if (!is_nearest_2x(g, g.nodes[r])) continue;
    Node n;
    n.name = conv.name + "/fused_upsample";
    n.op_type = "UpsampleConv";
    n.domain = "edgewm";
    n.opset = 1;
    n.inputs = {g.nodes[r].inputs[0], g.add_constant(n.name + "/phase_weights", phase_weights(g.value(conv.inputs[1]).constant))};
    if (conv.inputs.size() > 2 && conv.inputs[2] != kNoValue) n.inputs.push_back(conv.inputs[2]);
    n.outputs = conv.outputs;
    splicer.replace({r, k}, k, std::move(n));
  }
  return splicer.apply(g);
}

}  // namespace edgewm
