#pragma once
// The QOperator format (ONNX Runtime's quantize_static with QuantFormat.QOperator) writes
// quantised ops of the com.microsoft domain: QLinearAdd, QLinearMul, QGemm, QLinearAveragePool...
// Each is rewritten on import into the QDQ form of the same arithmetic (DequantizeLinear ->
// float op -> QuantizeLinear), so that one path — the QDQ fusion pass and its integer kernels —
// serves both formats, and no contrib op needs a kernel of its own.
#include <onnx/onnx_pb.h>

#include <vector>

namespace edgewm {

// When `node` is a com.microsoft quantised op this knows, appends its ai.onnx expansion to
// `out` (nodes in order, intermediate values named after the node) and returns true; false for
// any other node. `opset` is the model's ai.onnx opset (the expansion needs 13 or later: per-axis
// scales). Throws kUnsupported for a known op in a form not handled (channels_last layouts).
bool expand_qoperator(const onnx::NodeProto& node, int opset, std::vector<onnx::NodeProto>& out);

}  // namespace edgewm
