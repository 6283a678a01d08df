#include "capture/jit_hierarchy.h"

#include <torch/csrc/jit/runtime/interpreter.h>

namespace flopscope::capture {

std::vector<ModuleCall> module_calls(const std::vector<std::string>& hierarchy) {
  std::vector<ModuleCall> calls;
  for (std::size_t i = 1; i < hierarchy.size(); ++i) {
    const std::string& entry = hierarchy[i];
    auto open = entry.find('(');
    if (open == 0 || open == std::string::npos) continue;  // "::fn" or malformed
    std::string instance = entry.substr(0, open);
    if (instance == "SELF" || instance == "INSTANCE_NAME_UNKNOWN" || instance == "CALL_FUNCTION" ||
        instance == "UNKNOWN_INSTANCE")
      continue;
    auto close = entry.find(')', open);
    calls.push_back({instance, entry.substr(open + 1, close == std::string::npos ? std::string::npos : close - open - 1)});
  }
  return calls;
}

namespace {

bool is_container(const ModuleNode& node) {
  return node.class_name == "ModuleList" || node.class_name == "ModuleDict" || node.class_name == "ParameterList";
}

// The child of `node` reached by `call`: a direct child of that name, else one below uncalled containers.
int find_child(const ModuleTree& tree, int node, const ModuleCall& call) {
  const auto& children = tree.nodes[static_cast<std::size_t>(node)].children;
  for (const auto& [key, child] : children)
    if (key == call.instance) return child;
  for (const auto& [key, child] : children) {
    if (!is_container(tree.nodes[static_cast<std::size_t>(child)])) continue;
    int found = find_child(tree, child, call);
    if (found >= 0 && tree.nodes[static_cast<std::size_t>(found)].class_name == call.class_name) return found;
  }
  return -1;
}

}  // namespace

std::string resolve_path(const ModuleTree& tree, const std::vector<ModuleCall>& calls) {
  if (tree.nodes.empty()) return "";
  int node = 0;
  for (const auto& call : calls) {
    int child = find_child(tree, node, call);
    if (child < 0) break;
    node = child;
  }
  return tree.nodes[static_cast<std::size_t>(node)].path;
}

std::string JitResolver::resolve(const at::RecordFunction& /*fn*/) {
  // The interpreter builds the hierarchy's strings anyway; parsing them and walking the tree is done once
  // per distinct hierarchy (a model has about as many as it has modules).
  const auto hierarchy = torch::jit::currentModuleHierarchy();
  m_key.clear();
  for (const auto& entry : hierarchy) m_key.append(entry).push_back('\n');
  auto it = m_paths.find(m_key);
  if (it == m_paths.end()) it = m_paths.emplace(m_key, resolve_path(m_tree, module_calls(hierarchy))).first;
  return it->second;
}

}  // namespace flopscope::capture
