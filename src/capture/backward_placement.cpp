#include "capture/backward_placement.h"

#include <string_view>
#include <unordered_map>

namespace flopscope::capture {
namespace {

// Autograd's records of a node ("autograd::engine::evaluate_function: AddmmBackward0", "AddmmBackward0",
// "torch::autograd::AccumulateGrad"), as opposed to the ATen ops the node runs.
bool autograd_record(const OpRecord& op) {
  const std::string_view name = op.name;
  return name.rfind("autograd::", 0) == 0 || name.rfind("torch::autograd::", 0) == 0 ||
         name.find("::") == std::string_view::npos;
}

}  // namespace

void place_backward(Trace& trace) {
  std::unordered_map<std::int64_t, const std::string*> module_of;  // forward sequence number -> module
  for (const auto& op : trace.ops)
    if (!op.backward && op.sequence_nr >= 0) module_of.emplace(op.sequence_nr, &op.module);
  static const std::string kRoot;
  for (auto& op : trace.ops) {
    if (!op.backward) continue;
    // The node's own record carries the number; the engine's wrapper around it has none (the root's until the
    // node says), and the ATen ops inside take their node's module (parents come first).
    const auto it = op.sequence_nr >= 0 ? module_of.find(op.sequence_nr) : module_of.end();
    if (it != module_of.end()) {
      op.module = *it->second;
    } else {
      op.module = op.parent >= 0 ? trace.ops[static_cast<std::size_t>(op.parent)].module : kRoot;
    }
  }
}

Trace forward_part(const Trace& trace) {
  Trace out;
  std::vector<std::int32_t> index(trace.ops.size(), -1);
  for (std::size_t i = 0; i < trace.ops.size(); ++i) {
    const OpRecord& op = trace.ops[i];
    if (op.backward) continue;
    index[i] = static_cast<std::int32_t>(out.ops.size());
    out.ops.push_back(op);
    if (op.parent >= 0) out.ops.back().parent = index[static_cast<std::size_t>(op.parent)];
  }
  return out;
}

Trace backward_part(const Trace& trace) {
  Trace out;
  std::vector<std::int32_t> index(trace.ops.size(), -1);  // -1: dropped (not backward, or autograd's record)
  for (std::size_t i = 0; i < trace.ops.size(); ++i) {
    const OpRecord& op = trace.ops[i];
    if (!op.backward || autograd_record(op)) continue;
    // The nearest kept ancestor: an ATen op inside another stays nested; one right under the node is top-level.
    std::int32_t parent = op.parent;
    while (parent >= 0 && index[static_cast<std::size_t>(parent)] < 0) parent = trace.ops[static_cast<std::size_t>(parent)].parent;
    index[i] = static_cast<std::int32_t>(out.ops.size());
    out.ops.push_back(op);
    out.ops.back().parent = parent >= 0 ? index[static_cast<std::size_t>(parent)] : -1;
  }
  return out;
}

}  // namespace flopscope::capture
