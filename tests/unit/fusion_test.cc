// Each fusion pass on its own, on graphs shaped like exporters write them: the fused graph has
// the fused op (and not the chain), and computes what the unfused graph computes (the oracle:
// the same model compiled with fusion off, run on the same inputs).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "compiler/compile.h"
#include "edgewm/session.h"
#include "onnx_builder.h"
#include "op_test_util.h"
#include "passes/fuse.h"
#include "passes/pass_registry.h"
#include "passes/plan_memory.h"
#include "runtime/cost_model.h"

namespace edgewm {
namespace {

using testing::make_f32;
using testing::make_i64;
using testing::OnnxBuilder;

Tensor random_f32(const Shape& s, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  Tensor t(DType::kF32, s);
  for (int64_t i = 0; i < t.numel(); ++i) t.as<float>()[i] = u(g);
  return t;
}

Tensor filled(const Shape& s, float v) {
  Tensor t(DType::kF32, s);
  std::fill(t.as<float>(), t.as<float>() + t.numel(), v);
  return t;
}

CompiledModel compile(const OnnxBuilder& b, bool fuse) {
  CompileOptions o;
  o.fuse = fuse;
  return compile_imported(import_onnx_bytes(b.bytes(), "."), o);
}

int count_ops(const Graph& g, const std::string& op) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.op_type == op;
  return n;
}

// Runs both compilations on the same random input and compares.
void expect_same_outputs(const OnnxBuilder& b, const Shape& input, float tol) {
  auto fused = Model::from_bytes(compile(b, true).serialize());
  auto plain = Model::from_bytes(compile(b, false).serialize());
  Tensor x = random_f32(input, 11, -3.f, 3.f);
  Session sf(fused), sp(plain);
  const auto yf = sf.run({x.view()});
  std::vector<float> want(static_cast<const float*>(sp.run({x.view()})[0].data),
                          static_cast<const float*>(sp.run({x.view()})[0].data) + yf[0].numel());
  for (int64_t i = 0; i < yf[0].numel(); ++i)
    ASSERT_NEAR(static_cast<const float*>(yf[0].data)[i], want[static_cast<size_t>(i)], tol * (1 + std::abs(want[i])))
        << "at " << i;
}

template <class T> Tensor typed(DType t, const Shape& s, const std::vector<T>& v) {
  Tensor x(t, s);
  for (size_t i = 0; i < v.size(); ++i) static_cast<T*>(x.data())[i] = v[i];
  return x;
}

// PyTorch's GroupNorm(G, C) export at opset 17, optionally followed by SiLU.
OnnxBuilder group_norm_chain(int64_t n, int64_t c, int64_t h, int64_t w, int64_t groups, bool silu,
                             float in_scale = 1.f) {
  OnnxBuilder b;
  b.input("x", {n, c, h, w}).output("y");
  b.initializer("grouped_shape", make_i64(Shape{3}, {n, groups, -1}));
  b.initializer("back_shape", make_i64(Shape{4}, {n, c, h, w}));
  b.initializer("ones", filled(Shape{groups}, in_scale));
  b.initializer("zeros", filled(Shape{groups}, 0.f));
  b.initializer("gamma", random_f32(Shape{c, 1, 1}, 1, 0.5f, 1.5f));
  b.initializer("beta", random_f32(Shape{c, 1, 1}, 2));
  b.node("Reshape", {"x", "grouped_shape"}, {"g"});
  auto& in = b.node("InstanceNormalization", {"g", "ones", "zeros"}, {"gn"});
  (void)in;
  b.node("Reshape", {"gn", "back_shape"}, {"gb"});
  b.node("Mul", {"gb", "gamma"}, {"scaled"});
  b.node("Add", {"scaled", "beta"}, silu ? std::vector<std::string>{"normed"} : std::vector<std::string>{"y"});
  if (silu) {
    b.node("Sigmoid", {"normed"}, {"sig"});
    b.node("Mul", {"normed", "sig"}, {"y"});
  }
  return b;
}

TEST(Fusion, GroupNormChainBecomesOneOp) {
  auto b = group_norm_chain(2, 12, 5, 7, 4, false);
  CompiledModel m = compile(b, true);
  EXPECT_EQ(count_ops(m.graph, "GroupNorm"), 1);
  EXPECT_EQ(count_ops(m.graph, "InstanceNormalization"), 0);
  EXPECT_EQ(count_ops(m.graph, "Reshape"), 0);
  expect_same_outputs(b, Shape{2, 12, 5, 7}, 2e-5f);
  // An InstanceNormalization that scales is not a plain GroupNorm: left alone.
  EXPECT_EQ(count_ops(compile(group_norm_chain(1, 8, 4, 4, 2, false, 2.f), true).graph, "GroupNorm"), 0);
}

TEST(Fusion, GroupNormWithSiluBecomesOneOp) {
  auto b = group_norm_chain(1, 64, 16, 16, 32, true);
  CompiledModel m = compile(b, true);
  ASSERT_EQ(m.graph.nodes.size(), 1u);
  EXPECT_EQ(m.graph.nodes[0].op_type, "GroupNorm");
  EXPECT_EQ(m.graph.nodes[0].attrs.get_string("activation", ""), "silu");
  expect_same_outputs(b, Shape{1, 64, 16, 16}, 2e-5f);
}

// x -> Q -> DQ -> GroupNorm(+SiLU) -> Q -> DQ -> y (NNCF quantises both sides of a norm; the
// faithful recipes its output): fuse-qdq-norm folds the inner DQ and Q into the GroupNorm,
// which then reads and writes 8 bits, and the result is the unfused one bit for bit (the same
// Q/DQ and float rows, in the same order).
TEST(Fusion, QdqAroundAGroupNormFoldsIntoIt) {
  for (int form : {0, 1, 2}) {
    const bool input_dq = form != 1, add = form == 2;  // add: DQ -> + per-channel value -> GroupNorm
    SCOPED_TRACE(form == 0 ? "DQ in, Q out" : form == 1 ? "Q out only" : "DQ, per-channel Add in, Q out");
    OnnxBuilder b = group_norm_chain(1, 16, 6, 5, 4, true);
    auto* graph = b.proto().mutable_graph();
    for (auto& n : *graph->mutable_node()) {
      for (auto& i : *n.mutable_input())
        if (i == "x" && input_dq) i = add ? "xa" : "xd";
      for (auto& o : *n.mutable_output())
        if (o == "y") o = "yf";
    }
    b.initializer("xs", filled(Shape{}, 0.03f)).initializer("xz", typed<uint8_t>(DType::kU8, Shape{}, {128}));
    b.initializer("ys", filled(Shape{}, 0.02f)).initializer("yz", typed<int8_t>(DType::kI8, Shape{}, {-10}));
    if (input_dq) {
      b.node("QuantizeLinear", {"x", "xs", "xz"}, {"xq"});
      b.node("DequantizeLinear", {"xq", "xs", "xz"}, {"xd"});
    }
    if (add) {  // a value per channel computed at run time (a time embedding): ReduceMean of x
      OnnxBuilder::ints_attr(b.node("ReduceMean", {"x"}, {"t"}), "axes", {2, 3});
      b.node("Add", {"t", "xd"}, {"xa"});
    }
    b.node("QuantizeLinear", {"yf", "ys", "yz"}, {"yq"});
    b.node("DequantizeLinear", {"yq", "ys", "yz"}, {"y"});
    auto build = [&](const std::set<std::string>& disabled) {
      CompileOptions o;
      o.disabled_passes = disabled;
      return compile_imported(import_onnx_bytes(b.bytes(), "."), o);
    };
    const CompiledModel fused = build({}), plain = build({"fuse-qdq-norm"});
    EXPECT_EQ(count_ops(fused.graph, "GroupNorm"), 1);
    EXPECT_EQ(count_ops(fused.graph, "Add"), 0);
    EXPECT_EQ(count_ops(plain.graph, "Add"), add ? 1 : 0);
    EXPECT_EQ(count_ops(fused.graph, "QuantizeLinear"), input_dq ? 1 : 0);
    EXPECT_EQ(count_ops(fused.graph, "DequantizeLinear"), 1);
    EXPECT_EQ(count_ops(plain.graph, "QuantizeLinear"), input_dq ? 2 : 1);
    Tensor x = random_f32(Shape{1, 16, 6, 5}, 12, -3.f, 3.f);
    Session sf(Model::from_bytes(fused.serialize())), sp(Model::from_bytes(plain.serialize()));
    Tensor yf = Tensor::copy_of(sf.run({x.view()})[0]), yp = Tensor::copy_of(sp.run({x.view()})[0]);
    ASSERT_EQ(yf.nbytes(), yp.nbytes());
    EXPECT_EQ(std::memcmp(yf.data(), yp.data(), yf.nbytes()), 0);
    float lo = 0;
    for (int64_t i = 0; i < yf.numel(); ++i) lo = std::min(lo, yf.as<float>()[i]);
    EXPECT_LT(lo, -0.2f);  // SiLU's negative lobe came through the s8 output
  }
}

TEST(Fusion, SiluOnlyWhenTheSigmoidFeedsTheMulAlone) {
  OnnxBuilder b;
  b.input("x", {3, 33}).output("y");
  b.node("Sigmoid", {"x"}, {"s"});
  b.node("Mul", {"s", "x"}, {"y"});  // operands either way round
  CompiledModel m = compile(b, true);
  ASSERT_EQ(m.graph.nodes.size(), 1u);
  EXPECT_EQ(m.graph.nodes[0].op_type, "Silu");
  expect_same_outputs(b, Shape{3, 33}, 1e-6f);
  OnnxBuilder shared;  // the sigmoid is also read elsewhere: fusing would not save its pass
  shared.input("x", {3, 33}).output("y");
  shared.node("Sigmoid", {"x"}, {"s"});
  shared.node("Mul", {"x", "s"}, {"m"});
  shared.node("Add", {"m", "s"}, {"y"});
  EXPECT_EQ(count_ops(compile(shared, true).graph, "Silu"), 0);
  OnnxBuilder gated;  // Mul(y, sigmoid(x)) with y != x is a gate, not SiLU
  gated.input("x", {4}).input("z", {4}).output("y");
  gated.node("Sigmoid", {"x"}, {"s"});
  gated.node("Mul", {"z", "s"}, {"y"});
  EXPECT_EQ(count_ops(compile(gated, true).graph, "Silu"), 0);
}

TEST(Fusion, IdentityArithmeticIsRemovedUnlessItBroadcasts) {
  OnnxBuilder b;
  b.input("x", {2, 4}).output("y");
  b.initializer("one", filled(Shape{1}, 1.f));
  b.initializer("zeros", filled(Shape{2, 4}, 0.f));
  b.node("Div", {"x", "one"}, {"a"});
  b.node("Add", {"a", "zeros"}, {"c"});
  b.node("Relu", {"c"}, {"y"});
  CompiledModel m = compile(b, true);
  ASSERT_EQ(m.graph.nodes.size(), 1u);
  EXPECT_EQ(m.graph.nodes[0].op_type, "Relu");
  expect_same_outputs(b, Shape{2, 4}, 0.f);
  OnnxBuilder widen;  // x [4] * ones [3, 4] is [3, 4]: not an identity
  widen.input("x", {4}).output("y");
  widen.initializer("ones", filled(Shape{3, 4}, 1.f));
  widen.node("Mul", {"x", "ones"}, {"y"});
  EXPECT_EQ(count_ops(compile(widen, true).graph, "Mul"), 1);
  OnnxBuilder half;  // x * 0.5 is arithmetic
  half.input("x", {4}).output("y");
  half.initializer("h", filled(Shape{1}, 0.5f));
  half.node("Mul", {"x", "h"}, {"y"});
  EXPECT_EQ(count_ops(compile(half, true).graph, "Mul"), 1);
}

TEST(Fusion, BatchNormFoldsIntoTheConvBeforeIt) {
  for (bool bias : {true, false}) {
    OnnxBuilder b;
    b.input("x", {2, 6, 9, 9}).output("y");
    b.initializer("w", random_f32(Shape{10, 6, 3, 3}, 7));
    if (bias) b.initializer("b", random_f32(Shape{10}, 8));
    b.initializer("scale", random_f32(Shape{10}, 9, 0.5f, 2.f));
    b.initializer("beta", random_f32(Shape{10}, 10));
    b.initializer("mean", random_f32(Shape{10}, 11));
    b.initializer("var", random_f32(Shape{10}, 12, 0.1f, 3.f));
    auto& conv = b.node("Conv", bias ? std::vector<std::string>{"x", "w", "b"} : std::vector<std::string>{"x", "w"}, {"c"});
    OnnxBuilder::ints_attr(conv, "pads", {1, 1, 1, 1});
    b.node("BatchNormalization", {"c", "scale", "beta", "mean", "var"}, {"y"});
    CompiledModel m = compile(b, true);
    ASSERT_EQ(m.graph.nodes.size(), 1u);
    EXPECT_EQ(m.graph.nodes[0].op_type, "Conv");
    expect_same_outputs(b, Shape{2, 6, 9, 9}, 2e-5f);
  }
  OnnxBuilder shared;  // the conv output is read twice: folding would change the other reader
  shared.input("x", {1, 2, 4, 4}).output("y").output("c");
  shared.initializer("w", random_f32(Shape{2, 2, 1, 1}, 1));
  for (const char* n : {"scale", "beta", "mean", "var"}) shared.initializer(n, random_f32(Shape{2}, 2, 0.5f, 1.f));
  shared.node("Conv", {"x", "w"}, {"c"});
  shared.node("BatchNormalization", {"c", "scale", "beta", "mean", "var"}, {"y"});
  EXPECT_EQ(count_ops(compile(shared, true).graph, "BatchNormalization"), 1);
}

// Conv + Add on every conv kernel: Winograd (3x3 s1, wide), im2col (stride 2, 1x1, small),
// depthwise; the addend a residual of the output's shape or one value per channel.
TEST(Fusion, ConvAddOnEveryConvKernel) {
  struct Case {
    int64_t c, h, m, k, stride, group;
    bool per_channel, bias;
  };
  const Case cases[] = {{16, 16, 24, 3, 1, 1, false, true}, {16, 16, 24, 3, 1, 1, true, true},
                        {8, 9, 12, 3, 2, 1, false, false}, {8, 9, 12, 1, 1, 1, true, true},
                        {12, 10, 12, 3, 1, 12, false, true}, {12, 10, 12, 3, 2, 12, true, false}};
  for (const auto& t : cases) {
    const int64_t pad = t.k / 2, oh = (t.h + 2 * pad - t.k) / t.stride + 1;
    OnnxBuilder b;
    b.input("x", {1, t.c, t.h, t.h}).output("y");
    b.initializer("w", random_f32(Shape{t.m, t.c / t.group, t.k, t.k}, 3));
    if (t.bias) b.initializer("b", random_f32(Shape{t.m}, 4));
    b.initializer("z", t.per_channel ? random_f32(Shape{1, t.m, 1, 1}, 5) : random_f32(Shape{1, t.m, oh, oh}, 5));
    auto& conv = b.node("Conv", t.bias ? std::vector<std::string>{"x", "w", "b"} : std::vector<std::string>{"x", "w"},
                        {"c"});
    OnnxBuilder::ints_attr(conv, "pads", {pad, pad, pad, pad});
    OnnxBuilder::ints_attr(conv, "strides", {t.stride, t.stride});
    OnnxBuilder::int_attr(conv, "group", t.group);
    b.node("Add", {"z", "c"}, {"y"});
    CompiledModel m = compile(b, true);
    ASSERT_EQ(m.graph.nodes.size(), 1u);
    EXPECT_EQ(m.graph.nodes[0].op_type, "FusedConv");
    SCOPED_TRACE("c" + std::to_string(t.c) + " k" + std::to_string(t.k) + " s" + std::to_string(t.stride) + " g" +
                 std::to_string(t.group) + (t.per_channel ? " per-channel" : " residual"));
    expect_same_outputs(b, Shape{1, t.c, t.h, t.h}, 1e-4f);
    // The cost model (bench GFLOP/s, profile) still sees the convolution's work.
    auto macs = [](const Graph& g) {
      int64_t sum = 0;
      for (const Node& n : g.nodes) sum += node_macs(n, g);
      return sum;
    };
    EXPECT_EQ(macs(m.graph), macs(compile(b, false).graph));
  }
}

// A UNet upsampler: Resize (nearest 2x, as exporters spell it) then a 'same' 3x3 Conv.
struct Upsampler {
  int64_t n = 1, c = 3, h = 5, w = 7, m = 5;
  std::string mode = "nearest", coord = "asymmetric", nearest = "floor";
  bool sizes = false, bias = true, shared = false;
  int64_t factor = 2, stride = 1;
};

OnnxBuilder upsampler(const Upsampler& u) {
  OnnxBuilder b;
  b.input("x", {u.n, u.c, u.h, u.w}).output("y");
  if (u.shared) b.output("up");  // the upsampled tensor is wanted too
  if (u.sizes) {
    b.initializer("sizes", make_i64(Shape{4}, {u.n, u.c, u.factor * u.h, u.factor * u.w}));
  } else {
    b.initializer("scales", make_f32(Shape{4}, {1.f, 1.f, float(u.factor), float(u.factor)}));
  }
  b.initializer("w", random_f32(Shape{u.m, u.c, 3, 3}, 21));
  if (u.bias) b.initializer("b", random_f32(Shape{u.m}, 22));
  auto& r = b.node("Resize", u.sizes ? std::vector<std::string>{"x", "", "", "sizes"} : std::vector<std::string>{"x", "", "scales"},
                   {"up"});
  OnnxBuilder::string_attr(r, "mode", u.mode);
  OnnxBuilder::string_attr(r, "coordinate_transformation_mode", u.coord);
  OnnxBuilder::string_attr(r, "nearest_mode", u.nearest);
  auto& conv = b.node("Conv", u.bias ? std::vector<std::string>{"up", "w", "b"} : std::vector<std::string>{"up", "w"}, {"y"});
  OnnxBuilder::ints_attr(conv, "pads", {1, 1, 1, 1});
  OnnxBuilder::ints_attr(conv, "strides", {u.stride, u.stride});
  return b;
}

TEST(Fusion, NearestUpsampleConvRunsOnTheSmallImage) {
  std::vector<Upsampler> fused(6);
  fused[1].coord = "half_pixel", fused[1].nearest = "round_prefer_floor";  // ONNX's defaults
  fused[2].sizes = true, fused[2].bias = false, fused[2].n = 2;
  fused[3].c = 20, fused[3].m = 17, fused[3].h = 8, fused[3].w = 8;    // deep enough for the GEMM blocking
  fused[4].coord = "half_pixel", fused[4].nearest = "round_prefer_ceil";  // also maps i to i / 2
  fused[5].c = 1, fused[5].m = 2, fused[5].h = 1, fused[5].w = 2100;   // wider than the GEMM path packs
  for (const Upsampler& u : fused) {
    SCOPED_TRACE(u.coord + "/" + u.nearest + " " + std::to_string(u.c) + "x" + std::to_string(u.h) + "x" + std::to_string(u.w));
    const OnnxBuilder b = upsampler(u);
    CompiledModel m = compile(b, true);
    ASSERT_EQ(m.graph.nodes.size(), 1u);
    EXPECT_EQ(m.graph.nodes[0].op_type, "UpsampleConv");
    expect_same_outputs(b, Shape{u.n, u.c, u.h, u.w}, 1e-4f);
    auto macs = [](const Graph& g) {  // counted as the convolution it replaces
      int64_t sum = 0;
      for (const Node& n : g.nodes) sum += node_macs(n, g);
      return sum;
    };
    EXPECT_EQ(macs(m.graph), macs(compile(b, false).graph));
  }
  // Not a nearest 2x upsampling into a 'same' 3x3 conv: left alone.
  std::vector<Upsampler> kept(6);
  kept[0].mode = "linear";
  kept[1].factor = 3;
  kept[2].stride = 2;
  kept[3].shared = true;
  kept[4].nearest = "ceil";          // odd rows read i / 2 + 1
  kept[5].coord = "align_corners";   // i * (h - 1) / (2h - 1)
  for (const Upsampler& u : kept) {
    SCOPED_TRACE(u.mode + " x" + std::to_string(u.factor) + " " + u.coord + "/" + u.nearest);
    CompiledModel m = compile(upsampler(u), true);
    EXPECT_EQ(count_ops(m.graph, "UpsampleConv"), 0);
    EXPECT_EQ(count_ops(m.graph, "Resize"), 1);
  }
}

int fusion_count(const CompiledModel& m, const std::string& pass) {
  for (const auto& [name, n] : m.fusions)
    if (name == pass) return n;
  return -1;
}

// Producers of a channel Concat (batch 1) write straight into its output: the inputs' arena
// slots are its slices, nested Concats included, and the results do not change.
TEST(Fusion, ConcatInputsAreWrittenInPlace) {
  OnnxBuilder b;
  b.input("x", {1, 4, 4, 8}).output("y").output("z");
  b.node("Relu", {"x"}, {"a"});
  b.node("Neg", {"x"}, {"n"});
  b.node("Sigmoid", {"n"}, {"s"});
  auto& c = b.node("Concat", {"a", "s"}, {"c"});  // a: 512 bytes, 64-aligned slices
  OnnxBuilder::int_attr(c, "axis", 1);
  b.node("Tanh", {"a"}, {"t"});  // a is read again after the Concat
  auto& d = b.node("Concat", {"c", "t"}, {"d"});  // c sits in d
  OnnxBuilder::int_attr(d, "axis", -3);
  b.node("Add", {"d", "d"}, {"y"});
  // Not in place: slices along the last axis are strided; a graph input; a repeated input.
  auto& e = b.node("Concat", {"x", "n", "n"}, {"e"});
  OnnxBuilder::int_attr(e, "axis", 3);
  b.node("Relu", {"e"}, {"z"});
  const CompiledModel m = compile(b, true);
  EXPECT_EQ(fusion_count(m, "Concat written in place"), 2);
  auto at = [&](const char* v) { return m.plan.value_offsets[static_cast<size_t>(m.graph.find_value(v))]; };
  EXPECT_EQ(at("c"), at("d"));
  EXPECT_EQ(at("a"), at("d"));
  EXPECT_EQ(at("s"), at("d") + 512);
  EXPECT_EQ(at("t"), at("d") + 1024);
  EXPECT_EQ(fusion_count(compile(b, false), "Concat written in place"), -1);  // --no-fuse: copies
  auto fused = Model::from_bytes(m.serialize());
  auto plain = Model::from_bytes(compile(b, false).serialize());
  Session sf(fused), sp(plain);
  for (uint32_t seed : {1u, 2u}) {  // twice: nothing may depend on what the arena held before
    Tensor x = random_f32(Shape{1, 4, 4, 8}, seed, -3.f, 3.f);
    const auto yf = sf.run({x.view()});
    const auto yp = sp.run({x.view()});
    for (size_t o = 0; o < 2; ++o)
      for (int64_t i = 0; i < yp[o].numel(); ++i)
        ASSERT_EQ(static_cast<const float*>(yf[o].data)[i], static_cast<const float*>(yp[o].data)[i]) << o << " at " << i;
  }
  // Slices that would not be 64-byte aligned stay copies.
  OnnxBuilder odd;
  odd.input("x", {1, 1, 5, 3}).output("y");
  odd.node("Relu", {"x"}, {"a"});
  odd.node("Neg", {"x"}, {"n"});
  auto& oc = odd.node("Concat", {"a", "n"}, {"y0"});
  OnnxBuilder::int_attr(oc, "axis", 1);
  odd.node("Relu", {"y0"}, {"y"});
  EXPECT_EQ(fusion_count(compile(odd, true), "Concat written in place"), 0);
}

// Conv (+ Add) + activation on every conv kernel: Winograd, im2col (stride 2, 1x1), depthwise;
// each fusable activation, Clip in both its opset forms; the oracle is the unfused graph.
TEST(Fusion, ConvActivationOnEveryConvKernel) {
  struct Conv {
    int64_t c, h, m, k, stride, group;
  };
  // M = 24 >= 2 x the row block: the im2col GEMMs share one panel between the threads.
  const Conv convs[] = {{16, 16, 24, 3, 1, 1}, {8, 9, 24, 3, 2, 1}, {8, 9, 12, 1, 1, 1}, {12, 10, 12, 3, 1, 12}};
  const char* acts[] = {"Relu", "Clip", "Clip10", "HardSwish", "HardSigmoid", "LeakyRelu", "Sigmoid", "Silu"};
  for (const auto& t : convs)
    for (const char* act : acts)
      for (bool add : {false, true}) {
        const std::string op = std::string(act) == "Clip10" ? "Clip" : act;
        const int opset = std::string(act) == "Clip10" ? 10 : 17;
        const int64_t pad = t.k / 2, oh = (t.h + 2 * pad - t.k) / t.stride + 1;
        OnnxBuilder b(opset);
        b.input("x", {1, t.c, t.h, t.h}).output("y");
        b.initializer("w", random_f32(Shape{t.m, t.c / t.group, t.k, t.k}, 3));
        b.initializer("b", random_f32(Shape{t.m}, 4));
        auto& conv = b.node("Conv", {"x", "w", "b"}, {"c"});
        OnnxBuilder::ints_attr(conv, "pads", {pad, pad, pad, pad});
        OnnxBuilder::ints_attr(conv, "strides", {t.stride, t.stride});
        OnnxBuilder::int_attr(conv, "group", t.group);
        if (add) {
          b.initializer("z", random_f32(Shape{1, t.m, oh, oh}, 5));
          b.node("Add", {"c", "z"}, {"s"});
        }
        const std::string in = add ? "s" : "c";
        if (op == "Silu") {  // x * Sigmoid(x), as PyTorch exports it
          b.node("Sigmoid", {in}, {"sg"});
          b.node("Mul", {in, "sg"}, {"y"});
        } else if (op == "Clip" && opset >= 11) {
          b.initializer("lo", make_f32(Shape{}, {-0.5f}));
          b.initializer("hi", make_f32(Shape{}, {1.5f}));
          b.node("Clip", {in, "lo", "hi"}, {"y"});
        } else {
          auto& a = b.node(op, {in}, {"y"});
          if (op == "Clip") {
            auto* f = a.add_attribute();
            f->set_name("max"), f->set_type(onnx::AttributeProto::FLOAT), f->set_f(0.7f);
          }
          if (op == "LeakyRelu" || op == "HardSigmoid") {
            auto* f = a.add_attribute();
            f->set_name("alpha"), f->set_type(onnx::AttributeProto::FLOAT), f->set_f(0.3f);
          }
        }
        SCOPED_TRACE(std::string(act) + (add ? " after Add" : "") + " c" + std::to_string(t.c) + " k" +
                     std::to_string(t.k) + " s" + std::to_string(t.stride) + " g" + std::to_string(t.group));
        CompiledModel m = compile(b, true);
        ASSERT_EQ(m.graph.nodes.size(), 1u);
        EXPECT_EQ(m.graph.nodes[0].op_type, "FusedConv");
        EXPECT_EQ(fusion_count(m, "Conv + activation fused"), 1);
        expect_same_outputs(b, Shape{1, t.c, t.h, t.h}, 1e-5f);
      }
  // The conv output read elsewhere too: the activation stays an op.
  OnnxBuilder shared;
  shared.input("x", {1, 4, 6, 6}).output("y").output("c");
  shared.initializer("w", random_f32(Shape{4, 4, 3, 3}, 6));
  auto& conv = shared.node("Conv", {"x", "w"}, {"c"});
  OnnxBuilder::ints_attr(conv, "pads", {1, 1, 1, 1});
  shared.node("Relu", {"c"}, {"y"});
  EXPECT_EQ(count_ops(compile(shared, true).graph, "Relu"), 1);
}

// The pass registry: names are unique, every pass can be left out on its own (and then does not
// run), an unknown name is refused naming the known ones, and value handles survive rewrites.
// ---- fuse-qdq ------------------------------------------------------------------------------


// ONNX Runtime's QDQ form of a quantised op: x -> Q -> DQ -> OP(.., DQ(int8 w, per-channel
// scales along w_axis), bias) -> Q -> DQ -> y.
// output_q false: the op's output goes to a Relu instead (no group: the op stays float).
// act: "Relu" or "Clip" between the op and its Q (NNCF's and PT2E's placement), y_zp its zero point.
OnnxBuilder qdq_model(const std::string& op, const Shape& x_shape, const Shape& w_shape, int w_axis, bool bias,
                      bool output_q = true, const std::string& act = "", uint8_t y_zp = 120) {
  OnnxBuilder b;
  std::vector<int64_t> xs(x_shape.dims().begin(), x_shape.dims().end());
  b.input("x", xs).output("y");
  const int64_t channels = w_shape[w_axis];
  std::mt19937 gen(5);
  std::uniform_int_distribution<int> wq(-63, 63);  // 7-bit weights, as the faithful recipe makes
  std::vector<int8_t> w(static_cast<size_t>(w_shape.numel()));
  for (auto& v : w) v = static_cast<int8_t>(wq(gen));
  std::vector<float> ws(static_cast<size_t>(channels));
  for (size_t i = 0; i < ws.size(); ++i) ws[i] = 0.01f + 0.003f * static_cast<float>(i);
  b.initializer("x_s", filled(Shape{}, 6.f / 255)).initializer("x_z", typed<uint8_t>(DType::kU8, Shape{}, {128}));
  b.initializer("w", typed(DType::kI8, w_shape, w)).initializer("w_s", make_f32(Shape{channels}, ws));
  b.initializer("w_z", typed(DType::kI8, Shape{channels}, std::vector<int8_t>(static_cast<size_t>(channels), 0)));
  b.initializer("y_s", filled(Shape{}, 0.05f)).initializer("y_z", typed<uint8_t>(DType::kU8, Shape{}, {y_zp}));
  b.node("QuantizeLinear", {"x", "x_s", "x_z"}, {"xq"});
  b.node("DequantizeLinear", {"xq", "x_s", "x_z"}, {"xf"});
  auto& dw = b.node("DequantizeLinear", {"w", "w_s", "w_z"}, {"wf"});
  OnnxBuilder::int_attr(dw, "axis", w_axis);
  std::vector<std::string> ins{"xf", "wf"};
  if (bias) {
    b.initializer("bias", random_f32(Shape{channels}, 3, -0.5f, 0.5f));
    ins.push_back("bias");
  }
  auto& n = b.node(op, ins, {"yf"});
  if (op == "Conv") OnnxBuilder::ints_attr(n, "pads", {1, 1, 1, 1});
  if (op == "Gemm" && w_axis == 0) OnnxBuilder::int_attr(n, "transB", 1);  // PyTorch's Linear: w [out, in]
  if (!output_q) {
    b.node("Relu", {"yf"}, {"y"});
    return b;
  }
  std::string yq_in = "yf";
  if (act == "Relu") {
    b.node("Relu", {"yf"}, {"ya"});
    yq_in = "ya";
  } else if (act == "Clip") {
    b.initializer("lo", filled(Shape{}, -0.5f)).initializer("hi", filled(Shape{}, 2.f));
    b.node("Clip", {"yf", "lo", "hi"}, {"ya"});
    yq_in = "ya";
  }
  b.node("QuantizeLinear", {yq_in, "y_s", "y_z"}, {"yq"});
  b.node("DequantizeLinear", {"yq", "y_s", "y_z"}, {"y"});
  return b;
}

// The pass alone, fusing whether or not a fast integer kernel exists (the registry's fuse-qdq
// fuses only where one does), then planned as compile_imported would.
CompiledModel compile_qdq_fused(const OnnxBuilder& b) {
  CompiledModel m = compile(b, false);
  fuse_qdq_with(m.graph, /*require_fast_kernel=*/false);
  m.plan = plan_memory(m.graph, own_buffers(m.graph));
  return m;
}

// The fused model's output against the unfused one (the oracle: the float op on dequantised
// values) on input x: the integer op may differ by one step of y_scale where x * w lands within
// rounding of a .5, on at most 2% of the outputs. Returns the unfused output.
Tensor expect_within_a_step(const CompiledModel& fused, const OnnxBuilder& b, const Tensor& x, float step = 0.05f) {
  auto f = Model::from_bytes(fused.serialize());
  auto p = Model::from_bytes(compile(b, false).serialize());
  Session sf(f), sp(p);
  Tensor yf = Tensor::copy_of(sf.run({x.view()})[0]);
  Tensor yp = Tensor::copy_of(sp.run({x.view()})[0]);
  int64_t off = 0;
  for (int64_t i = 0; i < yf.numel(); ++i) {
    const float d = std::fabs(yf.as<float>()[i] - yp.as<float>()[i]);
    EXPECT_LE(d, step * 1.002f) << "at " << i;
    off += d > 0;
  }
  EXPECT_LE(off, yf.numel() / 50) << "more than 2% of outputs a step apart";
  return yp;
}

TEST(Fusion, QdqConvMatMulAndGemmBecomeIntegerOps) {
  struct Case {
    const char* op;
    Shape x, w;
    int axis;
    bool bias;
    const char* fused;
  };
  for (const Case& c : {Case{"Conv", Shape{1, 4, 6, 6}, Shape{8, 4, 3, 3}, 0, true, "QLinearConv"},
                        Case{"Conv", Shape{1, 4, 5, 5}, Shape{3, 4, 1, 1}, 0, false, "QLinearConv"},
                        Case{"MatMul", Shape{2, 3, 16}, Shape{16, 5}, 1, false, "QLinearMatMul"},
                        Case{"Gemm", Shape{1, 40}, Shape{24, 40}, 0, true, "QGemm"},
                        Case{"Gemm", Shape{3, 16}, Shape{16, 5}, 1, false, "QGemm"}}) {
    SCOPED_TRACE(c.op);
    OnnxBuilder b = qdq_model(c.op, c.x, c.w, c.axis, c.bias);
    CompiledModel fused = compile_qdq_fused(b);
    EXPECT_EQ(count_ops(fused.graph, c.fused), 1);
    EXPECT_EQ(count_ops(fused.graph, c.op), 0);
    EXPECT_EQ(count_ops(fused.graph, "DequantizeLinear"), 1);  // only the output's
    expect_within_a_step(fused, b, random_f32(c.x, 7, -3.f, 3.f));
  }
}

// Conv -> Relu / Clip -> Q (the activation quantised, not the Conv): Q(clamp(v)) is the integer
// output clamped to Q(bounds), so the group fuses, with an integer Clip where the bounds cut
// into the type's range — none for a Relu before a zero point of 0.
TEST(Fusion, QdqConvWithAnActivationBeforeItsQuantizeFuses) {
  struct Case {
    const char* act;
    uint8_t zp;
    int clips;
  };
  for (const Case& c : {Case{"Relu", 120, 1}, Case{"Clip", 120, 1}, Case{"Relu", 0, 0}}) {
    SCOPED_TRACE(std::string(c.act) + " zp " + std::to_string(c.zp));
    OnnxBuilder b = qdq_model("Conv", Shape{1, 4, 6, 6}, Shape{8, 4, 3, 3}, 0, true, true, c.act, c.zp);
    CompiledModel fused = compile_qdq_fused(b);
    EXPECT_EQ(count_ops(fused.graph, "QLinearConv"), 1);
    EXPECT_EQ(count_ops(fused.graph, c.act), c.clips && std::string(c.act) == "Clip" ? 1 : 0);
    EXPECT_EQ(count_ops(fused.graph, "Clip"), c.clips);
    EXPECT_EQ(count_ops(fused.graph, "Relu"), 0);
    const Tensor yp = expect_within_a_step(fused, b, random_f32(Shape{1, 4, 6, 6}, 8, -3.f, 3.f));
    int64_t clamped = 0;
    for (int64_t i = 0; i < yp.numel(); ++i) clamped += yp.as<float>()[i] == (std::string(c.act) == "Clip" ? -0.5f : 0.f);
    EXPECT_GT(clamped, yp.numel() / 10);  // the clamp mattered
  }
}

// NNCF quantises a depthwise conv's input per channel: each output channel reads one input
// channel, so x's scale folds into the weights' (the integer sums unchanged), where x's zero
// points are one value; with several, the group stays float and says why.
// PT2E's and NNCF's placement: the Q after an activation other than a clamp, or after a residual
// Add (with or without an activation): one edgewm.QLinearConv whose float epilogue runs them,
// within a step of the unfused graph. A residual that broadcasts stays a float Add.
TEST(Fusion, QdqConvWithResidualOrActivationBeforeItsQuantizeFuses) {
  struct Case {
    const char* act;  // "" none
    bool residual;
    bool broadcast;
    bool fuses;
  };
  for (const Case& c : {Case{"HardSwish", false, false, true}, Case{"Sigmoid", false, false, true}, Case{"", true, false, true},
                        Case{"Relu", true, false, true}, Case{"", true, true, false}}) {
    SCOPED_TRACE(std::string(c.act) + (c.residual ? " residual" : "") + (c.broadcast ? " broadcast" : ""));
    OnnxBuilder b;
    b.input("x", {1, 4, 6, 6}).output("y");
    std::mt19937 gen(9);
    std::uniform_int_distribution<int> wq(-100, 100);
    std::vector<int8_t> w(4 * 4 * 9);
    for (auto& v : w) v = static_cast<int8_t>(wq(gen));
    b.initializer("x_s", filled(Shape{}, 6.f / 255)).initializer("x_z", typed<uint8_t>(DType::kU8, Shape{}, {128}));
    b.initializer("r_s", filled(Shape{}, 0.03f)).initializer("r_z", typed<int8_t>(DType::kI8, Shape{}, {2}));
    b.initializer("w", typed(DType::kI8, Shape{4, 4, 3, 3}, w)).initializer("w_s", make_f32(Shape{4}, {0.01f, 0.012f, 0.008f, 0.011f}));
    b.initializer("w_z", typed(DType::kI8, Shape{4}, std::vector<int8_t>(4, 0)));
    b.initializer("bias", random_f32(Shape{4}, 3, -0.5f, 0.5f));
    b.initializer("y_s", filled(Shape{}, 0.04f)).initializer("y_z", typed<uint8_t>(DType::kU8, Shape{}, {110}));
    b.node("QuantizeLinear", {"x", "x_s", "x_z"}, {"xq"});
    b.node("DequantizeLinear", {"xq", "x_s", "x_z"}, {"xf"});
    OnnxBuilder::int_attr(b.node("DequantizeLinear", {"w", "w_s", "w_z"}, {"wf"}), "axis", 0);
    auto& conv = b.node("Conv", {"xf", "wf", "bias"}, {"c"});
    OnnxBuilder::ints_attr(conv, "pads", {1, 1, 1, 1});
    std::string v = "c";
    if (c.residual) {
      std::string r = "x";
      if (c.broadcast) {
        OnnxBuilder::ints_attr(b.node("ReduceMean", {"x"}, {"xm"}), "axes", {2, 3});  // [1, 4, 1, 1]
        r = "xm";
      }
      b.node("QuantizeLinear", {r, "r_s", "r_z"}, {"rq"});
      b.node("DequantizeLinear", {"rq", "r_s", "r_z"}, {"rf"});
      b.node("Add", {"rf", v}, {"s"});  // the residual first: either side may be the conv
      v = "s";
    }
    if (*c.act) {
      b.node(c.act, {v}, {"a"});
      v = "a";
    }
    b.node("QuantizeLinear", {v, "y_s", "y_z"}, {"yq"});
    b.node("DequantizeLinear", {"yq", "y_s", "y_z"}, {"y"});
    CompileOptions o;
    const CompiledModel fused = compile_imported(import_onnx_bytes(b.bytes(), "."), o);
    int edgewm_qconv = 0;
    for (const Node& n : fused.graph.nodes) edgewm_qconv += n.op_type == "QLinearConv" && n.domain == "edgewm";
    EXPECT_EQ(edgewm_qconv, c.fuses ? 1 : 0);
    EXPECT_EQ(count_ops(fused.graph, "Conv") + count_ops(fused.graph, "FusedConv") + count_ops(fused.graph, "Add"),
              c.fuses ? 0 : 1);  // left float: the Conv (the float passes take its Add)
    expect_within_a_step(fused, b, random_f32(Shape{1, 4, 6, 6}, 10, -3.f, 3.f), 0.04f);
  }
}

TEST(Fusion, DepthwiseConvWithPerChannelInputScalesFuses) {
  for (bool one_zp : {true, false}) {
    SCOPED_TRACE(one_zp ? "one zero point" : "zero points differ");
    OnnxBuilder b;
    b.input("x", {1, 4, 7, 6}).output("y");
    b.initializer("x_s", make_f32(Shape{4}, {0.01f, 0.03f, 0.02f, 0.05f}));
    b.initializer("x_z", typed<uint8_t>(DType::kU8, Shape{4}, one_zp ? std::vector<uint8_t>{128, 128, 128, 128}
                                                                      : std::vector<uint8_t>{128, 120, 128, 128}));
    std::vector<int8_t> w(36);
    for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>(static_cast<int>(i * 37 % 121) - 60);
    b.initializer("w", typed(DType::kI8, Shape{4, 1, 3, 3}, w)).initializer("w_s", make_f32(Shape{4}, {0.02f, 0.01f, 0.015f, 0.03f}));
    b.initializer("y_s", filled(Shape{}, 0.02f)).initializer("y_z", typed<uint8_t>(DType::kU8, Shape{}, {128}));
    auto& q = b.node("QuantizeLinear", {"x", "x_s", "x_z"}, {"xq"});
    OnnxBuilder::int_attr(q, "axis", 1);
    auto& dx = b.node("DequantizeLinear", {"xq", "x_s", "x_z"}, {"xf"});
    OnnxBuilder::int_attr(dx, "axis", 1);
    auto& dw = b.node("DequantizeLinear", {"w", "w_s"}, {"wf"});
    OnnxBuilder::int_attr(dw, "axis", 0);
    auto& conv = b.node("Conv", {"xf", "wf"}, {"c"}, "dw");
    OnnxBuilder::int_attr(conv, "group", 4);
    OnnxBuilder::ints_attr(conv, "pads", {1, 1, 1, 1});
    OnnxBuilder::ints_attr(conv, "strides", {2, 2});
    b.node("QuantizeLinear", {"c", "y_s", "y_z"}, {"yq"});
    b.node("DequantizeLinear", {"yq", "y_s", "y_z"}, {"y"});
    CompiledModel fused = compile_qdq_fused(b);
    EXPECT_EQ(count_ops(fused.graph, "QLinearConv"), one_zp ? 1 : 0);
    if (!one_zp) {
      ASSERT_EQ(fused.graph.notes.size(), 1u);
      EXPECT_NE(fused.graph.notes.begin()->second.find("per channel with one zero point"), std::string::npos);
      continue;
    }
    expect_within_a_step(fused, b, random_f32(Shape{1, 4, 7, 6}, 9, -2.f, 2.f));
  }
}

// x -> Q -> DQ -> an elementwise op -> Q -> DQ -> y: fold-qdq-lut makes the middle a 256-entry
// table (edgewm.Lookup), computed on the reference kernels; the fused graph's output is the
// unfused one's (a step apart at most where the fast f32 kernels round the other way).
TEST(Fusion, QdqElementwiseGroupsBecomeTables) {
  struct Case {
    const char* op;
    bool s8;
    bool folds;
  };
  for (const Case& c : {Case{"Sigmoid", false, true}, Case{"LeakyRelu", true, true}, Case{"Mul", false, true},
                        Case{"Tanh", true, true}, Case{"MulByTensor", false, false}}) {
    SCOPED_TRACE(c.op);
    OnnxBuilder b;
    b.input("x", {1, 3, 9, 7}).output("y");
    b.initializer("xs", filled(Shape{}, 0.04f)).initializer("ys", filled(Shape{}, c.s8 ? 0.01f : 1.f / 255));
    if (c.s8) b.initializer("xz", typed<int8_t>(DType::kI8, Shape{}, {5})).initializer("yz", typed<int8_t>(DType::kI8, Shape{}, {-3}));
    else b.initializer("xz", typed<uint8_t>(DType::kU8, Shape{}, {128})).initializer("yz", typed<uint8_t>(DType::kU8, Shape{}, {0}));
    b.node("QuantizeLinear", {"x", "xs", "xz"}, {"xq"});
    b.node("DequantizeLinear", {"xq", "xs", "xz"}, {"xf"});
    const std::string op = c.op;
    if (op == "Mul") {
      b.initializer("k", filled(Shape{}, 0.07f));
      b.node("Mul", {"k", "xf"}, {"f"});  // the constant first: its position kept
    } else if (op == "MulByTensor") {
      b.initializer("k", random_f32(Shape{1, 3, 9, 7}, 4));
      b.node("Mul", {"xf", "k"}, {"f"});
    } else {
      auto& n = b.node(op, {"xf"}, {"f"});
      if (op == "LeakyRelu") OnnxBuilder::float_attr(n, "alpha", 0.2f);
    }
    b.node("QuantizeLinear", {"f", "ys", "yz"}, {"fq"});
    b.node("DequantizeLinear", {"fq", "ys", "yz"}, {"y"});
    CompileOptions o;
    const CompiledModel fused = compile_imported(import_onnx_bytes(b.bytes(), "."), o);
    EXPECT_EQ(count_ops(fused.graph, "Lookup"), c.folds ? 1 : 0);
    EXPECT_EQ(count_ops(fused.graph, "QuantizeLinear"), c.folds ? 1 : 2);
    expect_within_a_step(fused, b, random_f32(Shape{1, 3, 9, 7}, 10, -6.f, 6.f), c.s8 ? 0.01f : 1.f / 255);
  }
}

// Two quantised tensors added or multiplied and quantised again (a residual add): one integer op
// on the 8-bit values, the same bytes as the unfused graph; not where a side broadcasts per
// channel (only the reference would run it), nor where the float sum is read elsewhere.
TEST(Fusion, QdqBinaryGroupsBecomeIntegerOps) {
  struct Case {
    const char* op;
    bool s8;
    const char* b_shape;  // "same", "one", "channels"
    bool read_elsewhere;
    bool folds;
  };
  for (const Case& c : {Case{"Add", false, "same", false, true}, Case{"Mul", true, "same", false, true},
                        Case{"Add", true, "one", false, true}, Case{"Add", false, "channels", false, false},
                        Case{"Add", false, "same", true, false}}) {
    SCOPED_TRACE(std::string(c.op) + " " + c.b_shape + (c.s8 ? " s8" : " u8") + (c.read_elsewhere ? " read elsewhere" : ""));
    const std::string bs = c.b_shape;
    const std::vector<int64_t> b_dims = bs == "same" ? std::vector<int64_t>{1, 3, 9, 7}
                                        : bs == "one" ? std::vector<int64_t>{1}
                                                      : std::vector<int64_t>{1, 3, 1, 1};
    OnnxBuilder b;
    b.input("x", {1, 3, 9, 7}).input("r", b_dims).output("y");
    if (c.read_elsewhere) b.output("f");
    b.initializer("xs", filled(Shape{}, 0.04f)).initializer("rs", filled(Shape{}, 0.03f));
    b.initializer("ys", filled(Shape{}, c.s8 ? 0.05f : 0.06f));
    if (c.s8) {
      b.initializer("xz", typed<int8_t>(DType::kI8, Shape{}, {5})).initializer("rz", typed<int8_t>(DType::kI8, Shape{}, {-2}));
      b.initializer("yz", typed<int8_t>(DType::kI8, Shape{}, {-3}));
    } else {
      b.initializer("xz", typed<uint8_t>(DType::kU8, Shape{}, {128})).initializer("rz", typed<uint8_t>(DType::kU8, Shape{}, {120}));
      b.initializer("yz", typed<uint8_t>(DType::kU8, Shape{}, {128}));
    }
    b.node("QuantizeLinear", {"x", "xs", "xz"}, {"xq"});
    b.node("DequantizeLinear", {"xq", "xs", "xz"}, {"xf"});
    b.node("QuantizeLinear", {"r", "rs", "rz"}, {"rq"});
    b.node("DequantizeLinear", {"rq", "rs", "rz"}, {"rf"});
    b.node(c.op, {"xf", "rf"}, {"f"});
    b.node("QuantizeLinear", {"f", "ys", "yz"}, {"fq"});
    b.node("DequantizeLinear", {"fq", "ys", "yz"}, {"y"});
    CompileOptions o;
    const CompiledModel fused = compile_imported(import_onnx_bytes(b.bytes(), "."), o);
    EXPECT_EQ(count_ops(fused.graph, std::string("QLinear") + c.op), c.folds ? 1 : 0);
    EXPECT_EQ(count_ops(fused.graph, c.op), c.folds ? 0 : 1);
    // Bit for bit the unfused graph (the pass left out), on inputs that saturate too.
    CompileOptions off;
    off.disabled_passes = {"fuse-qdq-binary"};
    Session sf(Model::from_bytes(fused.serialize()));
    Session sp(Model::from_bytes(compile_imported(import_onnx_bytes(b.bytes(), "."), off).serialize()));
    const Tensor x = random_f32(Shape{1, 3, 9, 7}, 10, -6.f, 6.f);
    const Tensor r = random_f32(Shape(b_dims), 11, -4.f, 4.f);
    const Tensor yf = Tensor::copy_of(sf.run({x.view(), r.view()})[0]);
    const Tensor yp = Tensor::copy_of(sp.run({x.view(), r.view()})[0]);
    ASSERT_EQ(yf.numel(), yp.numel());
    EXPECT_EQ(std::memcmp(yf.data(), yp.data(), yf.nbytes()), 0);
  }
}

TEST(Fusion, QdqWeightsOfOpsLeftFloatAreStillFolded) {
  OnnxBuilder b = qdq_model("Conv", Shape{1, 4, 6, 6}, Shape{8, 4, 3, 3}, 0, true, /*output_q=*/false);
  CompiledModel m = compile_qdq_fused(b);
  EXPECT_EQ(count_ops(m.graph, "QLinearConv"), 0);
  EXPECT_EQ(count_ops(m.graph, "DequantizeLinear"), 1);  // the activation's; the weights' folded
  // And the model says why (the compiler keeps it in the metadata, edgewm inspect shows it).
  ASSERT_EQ(m.graph.notes.size(), 1u);
  EXPECT_EQ(m.graph.notes.begin()->second, "its output is not quantised");
  const CompiledModel full = compile(b, true);
  EXPECT_EQ(full.metadata.count(m.graph.notes.begin()->first), 1u);
  EXPECT_TRUE(compile_qdq_fused(qdq_model("Conv", Shape{1, 4, 6, 6}, Shape{8, 4, 3, 3}, 0, true)).graph.notes.empty());
}

// DQ -> Reshape / Transpose / Concat / nearest Resize / MaxPool -> Q with one scale and zero point: the ops on the
// integers, exactly (the oracle: the unfolded graph, every Q/DQ pair run). A Q with another
// scale keeps its group.
TEST(Fusion, QdqAroundDataMovementIsFolded) {
  for (const bool same : {true, false}) {
    SCOPED_TRACE(same ? "one scale" : "a rescale");
    OnnxBuilder b;
    b.input("x", {1, 4, 6, 6}).output("y");
    b.initializer("s", filled(Shape{}, 0.04f)).initializer("z", typed<uint8_t>(DType::kU8, Shape{}, {117}));
    b.initializer("s2", filled(Shape{}, same ? 0.04f : 0.05f));
    b.initializer("flat", make_i64(Shape{3}, {1, 4, 36})).initializer("back", make_i64(Shape{4}, {1, 8, 6, 6}));
    b.initializer("up", make_f32(Shape{4}, {1, 1, 2, 2}));
    b.node("QuantizeLinear", {"x", "s", "z"}, {"q0"});
    b.node("DequantizeLinear", {"q0", "s", "z"}, {"d0"});
    b.node("Reshape", {"d0", "flat"}, {"r"});
    b.node("QuantizeLinear", {"r", "s", "z"}, {"q1"});
    b.node("DequantizeLinear", {"q1", "s", "z"}, {"d1"});
    OnnxBuilder::ints_attr(b.node("Transpose", {"d1"}, {"t"}), "perm", {0, 2, 1});
    b.node("QuantizeLinear", {"t", "s", "z"}, {"q2"});
    b.node("DequantizeLinear", {"q2", "s", "z"}, {"d2"});
    OnnxBuilder::int_attr(b.node("Concat", {"d2", "d2"}, {"c"}), "axis", 2);  // [1, 36, 8]
    b.node("QuantizeLinear", {"c", "s", "z"}, {"q3"});
    b.node("DequantizeLinear", {"q3", "s", "z"}, {"d3"});
    OnnxBuilder::ints_attr(b.node("Transpose", {"d3"}, {"t2"}), "perm", {0, 2, 1});  // [1, 8, 36]
    b.node("QuantizeLinear", {"t2", "s", "z"}, {"q4"});
    b.node("DequantizeLinear", {"q4", "s", "z"}, {"d4"});
    b.node("Reshape", {"d4", "back"}, {"r2"});
    b.node("QuantizeLinear", {"r2", "s", "z"}, {"q5"});
    b.node("DequantizeLinear", {"q5", "s", "z"}, {"d5"});
    b.node("Resize", {"d5", "", "up"}, {"u"});  // nearest, 2x: [1, 8, 12, 12]
    b.node("QuantizeLinear", {"u", "s", "z"}, {"q7"});
    b.node("DequantizeLinear", {"q7", "s", "z"}, {"d7"});
    auto& pool = b.node("MaxPool", {"d7"}, {"p"});
    OnnxBuilder::ints_attr(pool, "kernel_shape", {3, 3});
    OnnxBuilder::ints_attr(pool, "pads", {1, 1, 1, 1});
    b.node("QuantizeLinear", {"p", "s2", "z"}, {"q6"});
    b.node("DequantizeLinear", {"q6", "s2", "z"}, {"y"});
    CompiledModel m = compile(b, false);
    const int folded = fold_qdq_movement(m.graph);
    EXPECT_EQ(folded, same ? 7 : 6);
    EXPECT_EQ(count_ops(m.graph, "QuantizeLinear"), same ? 1 : 2);
    EXPECT_EQ(count_ops(m.graph, "DequantizeLinear"), same ? 1 : 2);
    m.plan = plan_memory(m.graph, own_buffers(m.graph));
    auto f = Model::from_bytes(m.serialize());
    auto p = Model::from_bytes(compile(b, false).serialize());
    Tensor x = random_f32(Shape{1, 4, 6, 6}, 11, -5.f, 5.f);
    Session sf(f), sp(p);
    Tensor yf = Tensor::copy_of(sf.run({x.view()})[0]);
    Tensor yp = Tensor::copy_of(sp.run({x.view()})[0]);
    ASSERT_EQ(yf.shape(), yp.shape());
    EXPECT_EQ(0, std::memcmp(yf.data(), yp.data(), yf.nbytes()));
  }
}

// A float value through a copying op into Q (the faithful recipe's upsampling: Resize ->
// QuantizeLinear -> conv): quantised first, the op moves bytes; bit for bit the same.
TEST(Fusion, QuantizeMovesBeforeAnOpThatCopies) {
  OnnxBuilder b;
  b.input("x", {1, 3, 5, 5}).output("y").output("t");
  b.initializer("s", filled(Shape{}, 0.03f)).initializer("z", typed<uint8_t>(DType::kU8, Shape{}, {100}));
  b.initializer("up", make_f32(Shape{4}, {1, 1, 2, 2}));
  b.node("Resize", {"x", "", "up"}, {"u"});
  b.node("QuantizeLinear", {"u", "s", "z"}, {"q"});
  b.node("DequantizeLinear", {"q", "s", "z"}, {"y"});
  OnnxBuilder::ints_attr(b.node("Transpose", {"x"}, {"t"}), "perm", {0, 1, 3, 2});  // x keeps a float reader
  CompiledModel m = compile(b, false);
  EXPECT_EQ(fold_qdq_movement(m.graph), 2);  // two nodes for the Resize -> Q chain
  bool resize_on_bytes = false;
  for (const Node& n : m.graph.nodes)
    if (n.op_type == "Resize") resize_on_bytes = m.graph.value(n.inputs[0]).dtype == DType::kU8;
  EXPECT_TRUE(resize_on_bytes);
  m.plan = plan_memory(m.graph, own_buffers(m.graph));
  auto f = Model::from_bytes(m.serialize());
  auto p = Model::from_bytes(compile(b, false).serialize());
  Tensor x = random_f32(Shape{1, 3, 5, 5}, 13, -4.f, 4.f);
  Session sf(f), sp(p);
  auto yf = sf.run({x.view()});
  auto yp = sp.run({x.view()});
  ASSERT_EQ(yf[0].shape, yp[0].shape);
  EXPECT_EQ(0, std::memcmp(yf[0].data, yp[0].data, yf[0].nbytes()));
}

TEST(PassRegistry, EachPassCanBeLeftOutByName) {
  std::set<std::string> names;
  for (const GraphPass& p : graph_passes()) {
    EXPECT_TRUE(names.insert(p.name).second) << p.name;
    EXPECT_FALSE(p.matches.empty()) << p.name;
    EXPECT_EQ(find_pass(p.name), &p);
  }
  EXPECT_EQ(find_pass("no-such-pass"), nullptr);
  Graph g;  // nothing to rewrite: every pass reports 0, in registry order
  Value x;
  x.name = "x";
  x.dtype = DType::kF32;
  x.shape_known = true;
  g.inputs.push_back(g.add_value(x));
  g.outputs = g.inputs;
  PassSelection all;
  auto report = run_graph_passes(g, all);
  size_t rewrites = 0;
  for (const GraphPass& p : graph_passes()) rewrites += p.run != nullptr;
  EXPECT_EQ(report.size(), rewrites);
  PassSelection some;
  some.disabled = {"fuse-silu", "fuse-conv-add"};
  report = run_graph_passes(g, some);
  EXPECT_EQ(report.size(), rewrites - 2);
  for (const auto& [line, count] : report) {
    EXPECT_NE(line, find_pass("fuse-silu")->report);
    EXPECT_NE(line, find_pass("fuse-conv-add")->report);
  }
  PassSelection other_target;
  other_target.target = "gpu";
  EXPECT_TRUE(run_graph_passes(g, other_target).empty());
  PassSelection bad;
  bad.disabled = {"fuse-silu", "fuse-sillu"};
  try {
    run_graph_passes(g, bad);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("unknown pass 'fuse-sillu' (passes: fold-qdq-movement, fold-qdq-lut, fuse-qdq-binary, fuse-qdq, fold-conv-batchnorm"), std::string::npos);
  }
}

TEST(PassRegistry, LeavingOutOnePassChangesOnlyThatRewrite) {
  // Conv + Add + Relu: fuse-conv-add then fuse-conv-activation. Without fuse-conv-add the Add
  // stays and the activation cannot reach the conv; the result is the same either way.
  auto build = [](const std::set<std::string>& disabled) {
    OnnxBuilder b(17);
    b.input("x", {1, 4, 8, 8}).input("r", {1, 4, 8, 8}).output("y");
    b.initializer("w", random_f32(Shape{4, 4, 3, 3}, 3));
    OnnxBuilder::ints_attr(b.node("Conv", {"x", "w"}, {"c"}), "pads", {1, 1, 1, 1});
    b.node("Add", {"c", "r"}, {"s"});
    b.node("Relu", {"s"}, {"y"});
    CompileOptions o;
    o.disabled_passes = disabled;
    return compile_imported(import_onnx_bytes(b.bytes(), "."), o);
  };
  auto count = [](const CompiledModel& m, const std::string& op) { return count_ops(m.graph, op); };
  CompiledModel all = build({}), no_add = build({"fuse-conv-add"});
  EXPECT_EQ(count(all, "FusedConv"), 1);
  EXPECT_EQ(count(all, "Add"), 0);
  EXPECT_EQ(count(no_add, "Add"), 1);
  EXPECT_EQ(count(no_add, "Relu"), 1);
  Tensor x = random_f32(Shape{1, 4, 8, 8}, 4), r = random_f32(Shape{1, 4, 8, 8}, 5);
  Session sa(Model::from_bytes(all.serialize()), SessionOptions{1}), sn(Model::from_bytes(no_add.serialize()), SessionOptions{1});
  const TensorView ya = sa.run({x.view(), r.view()})[0], yn = sn.run({x.view(), r.view()})[0];
  for (int64_t i = 0; i < ya.numel(); ++i)
    ASSERT_NEAR(static_cast<const float*>(ya.data)[i], static_cast<const float*>(yn.data)[i], 1e-5f) << i;
}

TEST(Graph, ValueHandlesSurviveRewritesAndRenumbering) {
  OnnxBuilder b(17);
  b.input("x", {1, 4, 8, 8}).output("y");
  b.initializer("w", random_f32(Shape{4, 4, 3, 3}, 3));
  b.node("Relu", {"x"}, {"dead"});  // nothing reads it: removed, which renumbers ids
  OnnxBuilder::ints_attr(b.node("Conv", {"x", "w"}, {"c"}), "pads", {1, 1, 1, 1});
  b.node("Sigmoid", {"c"}, {"y"});
  ImportedModel im = import_onnx_bytes(b.bytes(), ".");
  const uint32_t x_handle = im.graph.value(im.graph.find_value("x")).handle;
  const uint32_t y_handle = im.graph.value(im.graph.find_value("y")).handle;
  const ValueId y_before = im.graph.find_value("y");
  EXPECT_NE(x_handle, 0u);
  EXPECT_NE(x_handle, y_handle);
  CompiledModel m = compile_imported(std::move(im));
  EXPECT_EQ(m.graph.nodes.size(), 1u);  // Conv + Sigmoid fused
  EXPECT_NE(m.graph.find_value("y"), y_before);  // renumbered...
  EXPECT_EQ(m.graph.find_handle(y_handle), m.graph.find_value("y"));  // ...but the handle finds it
  EXPECT_EQ(m.graph.find_handle(x_handle), m.graph.find_value("x"));
  EXPECT_EQ(m.graph.find_handle(0), kNoValue);
}

}  // namespace
}  // namespace edgewm
