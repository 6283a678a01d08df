#include "capture/jit_hierarchy.h"

#include <torch/csrc/jit/runtime/interpreter.h>

namespace flopscope::capture {

std::string dotted_path(const std::vector<std::string>& hierarchy) {
  std::string path;
  for (std::size_t i = 1; i < hierarchy.size(); ++i) {
    const std::string& entry = hierarchy[i];
    auto paren = entry.find('(');
    if (paren == 0 || paren == std::string::npos) continue;  // "::fn" or malformed
    std::string instance = entry.substr(0, paren);
    if (instance == "SELF" || instance == "INSTANCE_NAME_UNKNOWN" || instance == "CALL_FUNCTION" ||
        instance == "UNKNOWN_INSTANCE")
      continue;
    if (!path.empty()) path += '.';
    path += instance;
  }
  return path;
}

std::string JitResolver::resolve(const at::RecordFunction& /*fn*/) {
  std::string path = dotted_path(torch::jit::currentModuleHierarchy());
  // `self.a.b(x)` keeps only the last attribute name, so an unknown path falls back to its longest known
  // prefix rather than inventing a module.
  while (!path.empty() && m_tree.by_path.count(path) == 0) {
    auto dot = path.rfind('.');
    path = dot == std::string::npos ? std::string() : path.substr(0, dot);
  }
  return m_tree.canonical(path);
}

}  // namespace flopscope::capture
