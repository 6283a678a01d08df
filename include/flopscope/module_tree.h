#pragma once
/// The model stage's view of a model: its module hierarchy and parameters, with no LibTorch types.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace flopscope {

/// One distinct module object. Shared modules appear once, under their first (canonical) name.
struct ModuleNode {
  std::string path;         ///< canonical dotted path, "" for the root
  std::string class_name;   ///< "Linear", "ResNet", as Python's `type(m).__name__`
  std::string extra_repr;   ///< what the module prints inside its parentheses, may hold newlines
  bool real_forward = true; ///< false for containers whose forward does nothing (ModuleList, Identity, ...)
  /// Registered submodules in order: attribute name and node index. A shared module is listed under each
  /// owner, pointing at the same node.
  std::vector<std::pair<std::string, int>> children;
};

/// One parameter, counted once even when tied to several modules.
struct ParamInfo {
  std::string name;                 ///< canonical dotted name, e.g. "layer1.0.conv1.weight"
  std::vector<std::int64_t> shape;
  std::int64_t numel = 0;
};

struct ModuleTree {
  std::vector<ModuleNode> nodes;                  ///< nodes[0] is the root; depth-first pre-order
  std::vector<ParamInfo> params;                  ///< in `named_parameters()` order
  std::unordered_map<std::string, int> by_path;   ///< every path (aliases too) -> node index

  std::int64_t total_params() const {
    std::int64_t n = 0;
    for (const auto& p : params) n += p.numel;
    return n;
  }
};

/// A module path and every module above it, innermost first: "a.b.c" -> {"a.b.c", "a.b", "a", ""}; the root ""
/// -> {""}. The one walk up the module tree that counting, the GPU statistics and the reports share.
inline std::vector<std::string> module_and_ancestors(const std::string& path) {
  std::vector<std::string> out;
  for (std::string p = path; !p.empty();) {
    out.push_back(p);
    const auto dot = p.rfind('.');
    p.resize(dot == std::string::npos ? 0 : dot);
  }
  out.emplace_back();
  return out;
}

/// Whether the module at `path` is `enclosing` or inside it ("a.b" is inside "a" and the root "", not inside "a.bc").
inline bool module_within(const std::string& path, const std::string& enclosing) {
  if (enclosing.empty() || path == enclosing) return true;
  return path.size() > enclosing.size() && path.compare(0, enclosing.size(), enclosing) == 0 &&
         path[enclosing.size()] == '.';
}

/// How deep a module is: the root "" is 0, "a" 1, "a.b" 2.
inline int module_depth(const std::string& path) {
  int depth = path.empty() ? 0 : 1;
  for (const char c : path) depth += c == '.' ? 1 : 0;
  return depth;
}

}  // namespace flopscope
