#include "capture/cpp_frontend_linear.h"

#include <optional>

namespace flopscope::capture {
namespace {

const ParamInfo* find_param(const ModuleTree& tree, const std::string& name) {
  for (const auto& p : tree.params)
    if (p.name == name) return &p;
  return nullptr;
}

bool is_linear(const ModuleTree& tree, const std::string& module) {
  auto it = tree.by_path.find(module);
  return it != tree.by_path.end() && tree.nodes[static_cast<std::size_t>(it->second)].class_name == "Linear";
}

}  // namespace

void group_cpp_frontend_linear(Trace& trace, const ModuleTree& tree) {
  std::vector<std::size_t> top;
  for (std::size_t i = 0; i < trace.ops.size(); ++i)
    if (trace.ops[i].parent < 0) top.push_back(i);

  // For each top-level op: the synthetic record to insert before it, if it starts a Linear call.
  std::vector<std::optional<OpRecord>> insert_before(trace.ops.size());
  std::vector<std::int32_t> group_of(trace.ops.size(), -1);  // top-level op -> index of its group's start
  for (std::size_t k = 0; k < top.size(); ++k) {
    const OpRecord& t = trace.ops[top[k]];
    if (t.name != "aten::t" || !is_linear(tree, t.module) || k + 1 >= top.size()) continue;
    const OpRecord& product = trace.ops[top[k + 1]];
    if (product.module != t.module) continue;
    bool addmm = product.name == "aten::addmm";
    if (!addmm && product.name != "aten::matmul") continue;
    std::size_t last = k + 1;
    if (!addmm && k + 2 < top.size() && trace.ops[top[k + 2]].name == "aten::add_" &&
        trace.ops[top[k + 2]].module == t.module)
      last = k + 2;
    const ParamInfo* weight = find_param(tree, t.module.empty() ? "weight" : t.module + ".weight");
    const ParamInfo* bias = find_param(tree, t.module.empty() ? "bias" : t.module + ".bias");
    const std::size_t x_arg = addmm ? 1 : 0;
    if (weight == nullptr || product.inputs.size() <= x_arg || trace.ops[top[last]].outputs.empty()) continue;

    OpRecord linear;
    linear.name = "aten::linear";
    linear.module = t.module;
    linear.inputs = {product.inputs[x_arg], Value::tensor(weight->shape),
                     bias ? Value::tensor(bias->shape) : Value::none()};
    linear.outputs = trace.ops[top[last]].outputs;
    insert_before[top[k]] = std::move(linear);
    for (std::size_t j = k; j <= last; ++j) group_of[top[j]] = static_cast<std::int32_t>(top[k]);
    k = last;
  }

  // Rebuild the trace with the synthetic parents in place, keeping parents before children.
  Trace out;
  out.saved = trace.saved;
  out.ops.reserve(trace.ops.size());
  std::vector<std::int32_t> new_index(trace.ops.size(), -1);
  std::vector<std::int32_t> synthetic_index(trace.ops.size(), -1);
  for (std::size_t i = 0; i < trace.ops.size(); ++i) {
    if (insert_before[i]) {
      synthetic_index[i] = static_cast<std::int32_t>(out.ops.size());
      out.ops.push_back(std::move(*insert_before[i]));
    }
    OpRecord op = std::move(trace.ops[i]);
    if (op.parent >= 0) {
      op.parent = new_index[static_cast<std::size_t>(op.parent)];
    } else if (group_of[i] >= 0) {
      op.parent = synthetic_index[static_cast<std::size_t>(group_of[i])];
    }
    new_index[i] = static_cast<std::int32_t>(out.ops.size());
    out.ops.push_back(std::move(op));
  }
  trace = std::move(out);
}

}  // namespace flopscope::capture
