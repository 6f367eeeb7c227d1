#include "kernels/evaluate_node.h"

#include "edgewm/thread_pool.h"
#include "ir/op_registry.h"
#include "kernels/register_ops.h"

namespace edgewm {

std::vector<Tensor> evaluate_node(const Graph& g, const Node& n, ThreadPool& pool, KernelChoice choice) {
  const OpRegistry& r = builtin_ops();
  return evaluate_node_with(g, n, pool, choice == KernelChoice::kReference ? r.reference(n, g) : r.select(n, g));
}

std::vector<Tensor> evaluate_node_with(const Graph& g, const Node& n, ThreadPool& pool, const KernelDef& k) {
  std::vector<TensorView> ins(n.inputs.size());
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (n.inputs[i] == kNoValue) continue;
    const Value& v = g.value(n.inputs[i]);
    if (!v.is_constant())
      throw Error(ErrorKind::kInternal, Graph::where(n) + ": evaluate_node needs constant input '" + v.name + "'");
    ins[i] = v.constant;
  }
  std::vector<Tensor> outs;
  std::vector<TensorView> out_views(n.outputs.size());
  outs.reserve(n.outputs.size());
  for (size_t i = 0; i < n.outputs.size(); ++i) {
    if (n.outputs[i] == kNoValue) {
      outs.emplace_back();
      continue;
    }
    const Value& v = g.value(n.outputs[i]);
    if (!v.shape_known) throw Error(ErrorKind::kInternal, Graph::where(n) + ": output '" + v.name + "' has no shape");
    outs.emplace_back(v.dtype, v.shape);
    out_views[i] = outs.back().view();
  }
  Tensor scratch;
  KernelContext ctx;
  ctx.node = &n;
  ctx.inputs = ins;
  ctx.outputs = out_views;
  ctx.pool = &pool;
  if (k.scratch) {
    size_t bytes = k.scratch(n, g);
    if (bytes) {
      scratch = Tensor(DType::kU8, Shape{static_cast<int64_t>(bytes)});
      ctx.scratch = scratch.data();
      ctx.scratch_bytes = bytes;
    }
  }
  std::shared_ptr<const void> prepared;
  if (k.prepare) {
    prepared = k.prepare(ctx, g);
    ctx.prepared = prepared.get();
  }
  k.fn(ctx);
  return outs;
}

NodeEvaluator reference_evaluator() {
  auto pool = std::make_shared<ThreadPool>(1);
  return [pool](const Graph& g, const Node& n) { return evaluate_node(g, n, *pool, KernelChoice::kReference); };
}

}  // namespace edgewm
