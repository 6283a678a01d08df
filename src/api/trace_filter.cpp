#include "api/trace_filter.h"

namespace flopscope::api {

Trace filtered(Trace trace, const std::function<bool(const OpRecord&, const OpRecord*)>& keep) {
  std::vector<std::int32_t> new_index(trace.ops.size(), -1);
  std::vector<OpRecord> kept;
  kept.reserve(trace.ops.size());
  for (std::size_t i = 0; i < trace.ops.size(); ++i) {
    OpRecord& op = trace.ops[i];
    const OpRecord* parent = nullptr;
    if (op.parent >= 0) {
      const std::int32_t p = new_index[static_cast<std::size_t>(op.parent)];
      if (p < 0) continue;
      parent = &kept[static_cast<std::size_t>(p)];
      op.parent = p;
    }
    if (!keep(op, parent)) continue;
    new_index[i] = static_cast<std::int32_t>(kept.size());
    kept.push_back(std::move(op));
  }
  trace.ops = std::move(kept);
  return trace;
}

Trace without_composite_children(Trace trace) {
  static const char* const kFusedOnCpu[] = {"aten::scaled_dot_product_attention", "aten::lstm", "aten::gru",
                                            "aten::rnn_tanh", "aten::rnn_relu"};
  return filtered(std::move(trace), [](const OpRecord&, const OpRecord* parent) {
    if (parent == nullptr) return true;
    for (const char* f : kFusedOnCpu)
      if (parent->name == f) return false;
    return true;
  });
}

}  // namespace flopscope::api
