#include "capture/nn_resolver.h"

#include "capture/scope_stack.h"

namespace flopscope::capture {

NnResolver::NnResolver(const torch::nn::Module& model, const ModuleTree& tree) {
  for (const auto& [path, index] : tree.by_path) {
    if (tree.nodes[static_cast<std::size_t>(index)].path != path) continue;  // aliases add nothing
    const torch::nn::Module* m = &model;
    std::size_t start = 0;
    while (m != nullptr && start < path.size()) {  // walk "a.b.c" down from the root
      auto dot = path.find('.', start);
      std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      auto children = m->named_children();
      auto* child = children.find(key);
      m = child ? child->get() : nullptr;
      start = dot == std::string::npos ? path.size() : dot + 1;
    }
    if (m == nullptr) continue;
    for (const auto& t : m->parameters(/*recurse=*/false)) m_owners.add(t, path);
    for (const auto& t : m->buffers(/*recurse=*/false)) m_owners.add(t, path);
  }
}

const std::string& NnResolver::unresolved() {
  static const std::string kUnresolved = "\x01unresolved";
  return kUnresolved;
}

const std::string& NnResolver::resolve(const at::RecordFunction& fn) {
  if (const std::string* owner = m_owners.of_inputs(fn, [](const std::string&) { return true; })) return *owner;
  if (const std::string* scope = innermost_scope()) return *scope;
  return unresolved();
}

namespace {

std::string common_ancestor(const std::string& a, const std::string& b) {
  std::size_t end = 0;  // length of the longest common prefix that ends at a module boundary
  for (std::size_t i = 0; i <= a.size() && i <= b.size(); ++i) {
    bool a_end = i == a.size() || a[i] == '.';
    bool b_end = i == b.size() || b[i] == '.';
    if (a_end && b_end) end = i;
    if (i == a.size() || i == b.size() || a[i] != b[i]) break;
  }
  return a.substr(0, end);
}

}  // namespace

void fill_unresolved(Trace& trace) {
  const std::string& mark = NnResolver::unresolved();
  std::vector<std::size_t> top;
  for (std::size_t i = 0; i < trace.ops.size(); ++i)
    if (trace.ops[i].parent < 0) top.push_back(i);
  for (std::size_t k = 0; k < top.size(); ++k) {
    OpRecord& op = trace.ops[top[k]];
    if (op.module != mark) continue;
    const std::string* before = nullptr;
    const std::string* after = nullptr;
    for (std::size_t j = k; j-- > 0;)
      if (trace.ops[top[j]].module != mark) { before = &trace.ops[top[j]].module; break; }
    for (std::size_t j = k + 1; j < top.size(); ++j)
      if (trace.ops[top[j]].module != mark) { after = &trace.ops[top[j]].module; break; }
    op.module = before && after ? common_ancestor(*before, *after) : std::string();
  }
  for (auto& op : trace.ops)  // children follow their (already fixed) parents
    if (op.parent >= 0) op.module = trace.ops[static_cast<std::size_t>(op.parent)].module;
}

}  // namespace flopscope::capture
