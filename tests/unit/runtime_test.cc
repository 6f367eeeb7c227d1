// Session input validation, memory planning invariants, .npy I/O.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "compiler/compile.h"
#include "edgewm/session.h"
#include "edgewm/thread_pool.h"
#include "io/npy.h"
#include "ir/op_registry.h"
#include "onnx_builder.h"
#include "op_test_util.h"
#include "kernels/register_ops.h"
#include "passes/plan_memory.h"
#include "runtime/model_data.h"

namespace edgewm {
namespace {

using testing::make_f32;
using testing::OnnxBuilder;

std::shared_ptr<const Model> relu_model() {
  OnnxBuilder b;
  b.input("x", {2, 2}).output("y");
  b.node("Relu", {"x"}, {"y"});
  return Model::from_bytes(compile_imported(import_onnx_bytes(b.bytes(), ".")).serialize());
}

std::string run_error(Session& s, const std::vector<TensorView>& ins) {
  try {
    s.run(ins);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    return e.what();
  }
  return "";
}

TEST(Session, RejectsWrongInputsByName) {
  Session s(relu_model());
  Tensor ok = make_f32(Shape{2, 2}, {-1, 2, -3, 4});
  Tensor wrong_shape(DType::kF32, Shape{4});
  Tensor wrong_type(DType::kF64, Shape{2, 2});
  Tensor nan = make_f32(Shape{2, 2}, {0, NAN, 0, 0});
  EXPECT_NE(run_error(s, {}).find("takes 1 input(s), got 0"), std::string::npos);
  EXPECT_NE(run_error(s, {wrong_shape.view()}).find("input 'x' must be f32[2x2], got f32[4]"), std::string::npos);
  EXPECT_NE(run_error(s, {wrong_type.view()}).find("got f64[2x2]"), std::string::npos);
  EXPECT_NE(run_error(s, {nan.view()}).find("input 'x' contains NaN"), std::string::npos);
  Tensor inf = make_f32(Shape{2, 2}, {0, 0, 0, -INFINITY});
  EXPECT_NE(run_error(s, {inf.view()}).find("input 'x' contains NaN or Inf"), std::string::npos);
  Tensor big = make_f32(Shape{2, 2}, {3.4e38f, -1e-45f, 0, 0});  // largest finite, denormal: accepted
  EXPECT_EQ(run_error(s, {big.view()}), "");
  auto out = s.run({ok.view()});
  EXPECT_EQ(static_cast<const float*>(out[0].data)[1], 2.f);
  EXPECT_EQ(static_cast<const float*>(out[0].data)[0], 0.f);
}

// y = x + sigmoid(t * w) * x + relu(x): the t-only path (Mul, Sigmoid) is what a memo on t keeps.
std::shared_ptr<const Model> conditioned_model() {
  OnnxBuilder b;
  b.input("x", {1, 8}).input("t", {1, 1}).output("y");
  b.initializer("w", make_f32(Shape{1, 8}, {0.1f, -0.2f, 0.3f, 0.5f, -1.f, 2.f, 0.7f, 0.f}));
  b.node("Mul", {"t", "w"}, {"tw"});
  b.node("Sigmoid", {"tw"}, {"gate"});
  b.node("Mul", {"gate", "x"}, {"gx"});
  b.node("Relu", {"x"}, {"rx"});
  b.node("Add", {"gx", "rx"}, {"sum"});
  b.node("Add", {"sum", "x"}, {"y"});
  return Model::from_bytes(compile_imported(import_onnx_bytes(b.bytes(), ".")).serialize());
}

TEST(Session, MemoisedInputsReplayTheSameOutputs) {
  auto model = conditioned_model();
  Session plain(model);
  SessionOptions o;
  o.memoize_inputs = {"t"};
  Session memo(model, o);
  EXPECT_EQ(memo.memo_stats().nodes, 2u);  // Mul(t, w), Sigmoid
  EXPECT_EQ(memo.memo_stats().entry_bytes, 32u);  // only the gate is read by the rest
  std::mt19937 g(5);
  std::normal_distribution<float> n;
  // Keys revisited in a sampler-like cycle, more keys than the memo keeps.
  for (int run = 0; run < 200; ++run) {
    Tensor x(DType::kF32, Shape{1, 8});
    for (int i = 0; i < 8; ++i) x.as<float>()[i] = n(g);
    Tensor t = make_f32(Shape{1, 1}, {run < 100 ? static_cast<float>(run % 5) : static_cast<float>(run)});
    const auto want = plain.run({x.view(), t.view()});
    std::vector<float> w(static_cast<const float*>(want[0].data), static_cast<const float*>(want[0].data) + 8);
    const auto got = memo.run({x.view(), t.view()});
    for (int i = 0; i < 8; ++i) ASSERT_EQ(static_cast<const float*>(got[0].data)[i], w[i]) << "run " << run;
  }
  const SessionMemoStats st = memo.memo_stats();
  EXPECT_EQ(st.misses, 5u + 100u);
  EXPECT_EQ(st.hits, 95u);
  EXPECT_EQ(st.entries, 64u);  // capped; runs past the cap compute as usual
  o.memoize_inputs = {"time"};
  EXPECT_THROW(Session(model, o), Error);
}

// Random DAGs of Relu/Add: values alive at the same step must never share arena bytes.
// Sessions of one model share what kernels prepare from its weights (Winograd-domain weights
// here), and sessions sharing one pool run concurrently with the same results as alone.
TEST(Session, SessionsSharePreparedWeightsAndAPool) {
  OnnxBuilder b;
  b.input("x", {1, 32, 16, 16}).output("y");
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-0.2f, 0.2f);
  std::vector<float> w(32 * 32 * 9);
  for (float& v : w) v = u(rng);
  b.initializer("w", make_f32(Shape{32, 32, 3, 3}, w));
  OnnxBuilder::ints_attr(b.node("Conv", {"x", "w"}, {"y"}), "pads", {1, 1, 1, 1});
  auto model = Model::from_bytes(compile_imported(import_onnx_bytes(b.bytes(), ".")).serialize());
  std::vector<float> xs(32 * 16 * 16);
  for (float& v : xs) v = u(rng);
  Tensor x = make_f32(Shape{1, 32, 16, 16}, xs);
  Session first(model, SessionOptions{1});
  const size_t prepared = model->data().prepared_count();
  if (prepared == 0) GTEST_SKIP() << "no kernel on this CPU prepares weights (" << first.kernels()[0].kernel << ")";
  const TensorView y1 = first.run({x.view()})[0];
  std::vector<float> want(static_cast<const float*>(y1.data), static_cast<const float*>(y1.data) + y1.numel());

  auto pool = std::make_shared<ThreadPool>(2);
  SessionOptions shared;
  shared.pool = pool;
  std::vector<std::unique_ptr<Session>> sessions;
  for (int i = 0; i < 3; ++i) sessions.push_back(std::make_unique<Session>(model, shared));
  EXPECT_EQ(model->data().prepared_count(), prepared);  // made once, by the first session
  EXPECT_EQ(sessions[0]->threads(), 2);
  std::vector<std::thread> runners;
  std::vector<int> mismatches(sessions.size(), 0);
  for (size_t i = 0; i < sessions.size(); ++i)
    runners.emplace_back([&, i] {
      for (int r = 0; r < 20; ++r) {
        const TensorView y = sessions[i]->run({x.view()})[0];
        for (int64_t k = 0; k < y.numel(); ++k)
          mismatches[i] += std::abs(static_cast<const float*>(y.data)[k] - want[static_cast<size_t>(k)]) > 1e-5f;
      }
    });
  for (auto& t : runners) t.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

// A kernel that throws on a pool worker (not the calling thread): run() surfaces it as the same
// edgewm::Error, and the next run of the same session, on the same pool, succeeds.
std::atomic<bool> g_fail_on_worker{true};
std::atomic<bool> g_worker_threw{false};

void relu_failing_on_a_worker(const KernelContext& ctx) {
  const std::thread::id caller = std::this_thread::get_id();
  const float* x = ctx.in(0).as<float>();
  float* y = ctx.out(0).as<float>();
  ctx.pool->parallel_for(ctx.in(0).numel(), 1, [&](int64_t b, int64_t e) {
    if (g_fail_on_worker) {
      if (std::this_thread::get_id() != caller) {
        g_worker_threw = true;
        throw Error(ErrorKind::kInternal, "test kernel failed on a worker");
      }
      // The caller holds its first chunk until a worker has taken one (bounded: 10 s).
      for (int i = 0; i < 10000 && !g_worker_threw; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (int64_t i = b; i < e; ++i) y[i] = std::max(x[i], 0.f);
  });
}

TEST(Session, AKernelThrowingOnAWorkerSurfacesAsErrorAndTheNextRunSucceeds) {
  OpRegistry ops = builtin_ops();
  ops.add_kernel("Relu", KernelDef{"test.fails_on_worker", relu_failing_on_a_worker, nullptr, 1000});
  OnnxBuilder b;
  b.input("x", {64}).output("y");
  b.node("Relu", {"x"}, {"y"});
  LoadOptions load;
  load.ops = &ops;
  auto model = Model::from_bytes(compile_imported(import_onnx_bytes(b.bytes(), ".")).serialize(), load);
  Session s(model, SessionOptions{2});
  std::vector<float> xs(64);
  for (int i = 0; i < 64; ++i) xs[i] = static_cast<float>(i - 32);
  Tensor x = make_f32(Shape{64}, xs);
  try {
    s.run({x.view()});
    ADD_FAILURE() << "the worker's exception did not reach the caller";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInternal);
    EXPECT_NE(std::string(e.what()).find("test kernel failed on a worker"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(g_worker_threw);
  g_fail_on_worker = false;
  auto outs = s.run({x.view()});
  const float* y = static_cast<const float*>(outs[0].data);
  for (int i = 0; i < 64; ++i) ASSERT_EQ(y[i], std::max(xs[i], 0.f)) << i;
}

TEST(Session, RefusesANegativeThreadCount) {
  EXPECT_THROW(Session(relu_model(), SessionOptions{-1}), Error);
  EXPECT_THROW(Session(relu_model(), SessionOptions{ThreadPool::kMaxThreads + 1}), Error);
}

TEST(MemoryPlan, LiveValuesNeverOverlapAndMemoryIsReused) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    OnnxBuilder b;
    b.input("v0", {1, 8 + static_cast<int64_t>(rng() % 64)});
    int64_t width = 0;
    std::vector<std::string> names = {"v0"};
    int n = 5 + static_cast<int>(rng() % 30);
    for (int i = 1; i <= n; ++i) {
      std::string out = "v" + std::to_string(i);
      const std::string& a = names[rng() % names.size()];
      if (rng() % 2) b.node("Relu", {a}, {out});
      else b.node("Add", {a, names[rng() % names.size()]}, {out});
      names.push_back(out);
    }
    b.output(names.back());
    CompiledModel m = compile_imported(import_onnx_bytes(b.bytes(), "."));
    const Graph& g = m.graph;
    std::vector<ValueId> root = storage_roots(g, builtin_ops());
    // Lifetimes by step, as the planner defines them.
    std::vector<int> first(g.values.size(), 1 << 30), last(g.values.size(), -2);
    auto touch = [&](ValueId v, int step) {
      ValueId r = root[static_cast<size_t>(v)];
      first[r] = std::min(first[r], step);
      last[r] = std::max(last[r], step);
    };
    for (ValueId v : g.inputs) touch(v, -1);
    for (size_t k = 0; k < g.nodes.size(); ++k) {
      for (ValueId v : g.nodes[k].inputs) touch(v, static_cast<int>(k));
      for (ValueId v : g.nodes[k].outputs) touch(v, static_cast<int>(k));
    }
    for (ValueId v : g.outputs) touch(v, static_cast<int>(g.nodes.size()));
    for (size_t a = 0; a < g.values.size(); ++a) {
      if (root[a] != static_cast<ValueId>(a) || last[a] < -1) continue;
      for (size_t c = a + 1; c < g.values.size(); ++c) {
        if (root[c] != static_cast<ValueId>(c) || last[c] < -1) continue;
        bool live_together = first[a] <= last[c] && first[c] <= last[a];
        int64_t oa = m.plan.value_offsets[a], oc = m.plan.value_offsets[c];
        bool overlap = oa < oc + static_cast<int64_t>(g.values[c].nbytes()) && oc < oa + static_cast<int64_t>(g.values[a].nbytes());
        EXPECT_FALSE(live_together && overlap) << "values " << a << " and " << c << " in trial " << trial;
      }
    }
    EXPECT_GE(m.plan.arena_bytes, m.peak_live_bytes);
    width += m.plan.arena_bytes;
    int64_t naive = 0;
    for (const Value& v : g.values) naive += (static_cast<int64_t>(v.nbytes()) + 63) / 64 * 64;
    if (g.nodes.size() > 10) {
      EXPECT_LT(m.plan.arena_bytes, naive);  // reuse happened
    }
  }
}

TEST(Npy, RoundTripsAndRejectsWhatItCannotRead) {
  auto path = (std::filesystem::temp_directory_path() / "edgewm_test.npy").string();
  Tensor t = make_f32(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
  save_npy(t.view(), path);
  Tensor back = load_npy(path);
  EXPECT_EQ(back.shape(), (Shape{2, 3}));
  EXPECT_EQ(testing::to_vector(back), testing::to_vector(t));
  // Header as NumPy writes it for a Fortran-ordered array.
  {
    std::ofstream f(path, std::ios::binary);
    std::string header = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }";
    header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    f.write("\x93NUMPY\x01\x00", 8);
    uint16_t len = static_cast<uint16_t>(header.size());
    f.write(reinterpret_cast<const char*>(&len), 2);
    f << header;
  }
  EXPECT_THROW(load_npy(path), Error);
  {
    std::ofstream f(path, std::ios::binary);
    f << "not numpy";
  }
  EXPECT_THROW(load_npy(path), Error);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace edgewm

#include "runtime/latency_stats.h"

namespace edgewm {
namespace {

TEST(LatencyStats, PercentilesMatchNumpyLinearInterpolation) {
  // numpy.percentile([4, 1, 3, 2], [50, 90, 99]) == [2.5, 3.7, 3.97]
  std::vector<double> s = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(percentile(s, 50), 2.5);
  EXPECT_NEAR(percentile(s, 90), 3.7, 1e-12);
  EXPECT_NEAR(percentile(s, 99), 3.97, 1e-12);
  LatencyStats st = summarize(s);
  EXPECT_EQ(st.count, 4);
  EXPECT_EQ(st.min, 1);
  EXPECT_EQ(st.max, 4);
  EXPECT_DOUBLE_EQ(st.mean, 2.5);
  EXPECT_EQ(summarize({5}).p99, 5);
  EXPECT_EQ(summarize({}).count, 0);
}

}  // namespace
}  // namespace edgewm
