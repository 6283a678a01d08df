#include "capture/backward_placement.h"

#include <string_view>
#include <unordered_map>
#include <vector>

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
  for (const auto& [number, module] : trace.function_nodes) module_of.emplace(number, &module);
  static const std::string kRoot;
  auto placed = [&](const OpRecord& op) -> const std::string* {
    const auto it = op.sequence_nr >= 0 ? module_of.find(op.sequence_nr) : module_of.end();
    return it != module_of.end() ? it->second : nullptr;
  };
  // The node's own record carries the number, and the engine's wrapper around it has none: the wrapper takes the
  // module of the node it wraps, its first child.
  auto placed_or_first_child = [&](std::size_t i) -> const std::string* {
    const std::string* module = placed(trace.ops[i]);
    if (module == nullptr && i + 1 < trace.ops.size() && trace.ops[i + 1].parent == static_cast<std::int32_t>(i))
      module = placed(trace.ops[i + 1]);
    return module;
  };
  // Activation checkpointing reruns a block's forward inside a backward node: the rerun calls the block's modules,
  // whose scopes open inside the node, so its ops were recorded under a module other than the one open when the
  // node began. Those keep the module they ran in, as in the forward. A reentrant checkpoint then runs a backward of
  // the rerun inside the node: its nodes carry the rerun's sequence numbers, and go to the rerun's modules.
  std::vector<std::int32_t> top(trace.ops.size(), -1);  // a backward op's outermost enclosing record
  std::unordered_map<std::int32_t, std::string> opened_in;  // that record -> the module open when it began
  for (std::size_t i = 0; i < trace.ops.size(); ++i) {
    OpRecord& op = trace.ops[i];
    if (!op.backward) continue;
    if (op.parent < 0) {
      top[i] = static_cast<std::int32_t>(i);
      opened_in.emplace(top[i], op.module);
      const std::string* module = placed_or_first_child(i);
      op.module = module ? *module : kRoot;
      continue;
    }
    const auto parent = static_cast<std::size_t>(op.parent);  // parents come first
    top[i] = top[parent];  // -1 for a node inside a forward op (autograd.grad called in the forward)
    const auto opened = opened_in.find(top[i]);
    if (opened != opened_in.end() && op.module != opened->second) {  // a rerun forward op: its own module
      if (op.sequence_nr >= 0 && !autograd_record(op)) module_of.emplace(op.sequence_nr, &op.module);
      continue;
    }
    const std::string* module = placed_or_first_child(i);  // a node of a reentrant checkpoint's inner backward
    op.module = module ? *module : trace.ops[parent].module;  // else its node's module, as every nested op shares one
  }
}

Trace forward_part(const Trace& trace) {
  Trace out;
  out.saved = trace.saved;  // the forward's held memory
  std::vector<std::int32_t> index(trace.ops.size(), -1);
  for (std::size_t i = 0; i < trace.ops.size(); ++i) {
    const OpRecord& op = trace.ops[i];
    if (op.backward || op.loss) continue;  // the loss is flopscope's, not the model's
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
