#pragma once
// Module paths of TorchScript ops, from the interpreter's module hierarchy.
#include <string>
#include <unordered_map>
#include <vector>

#include "capture/capture.h"
#include "flopscope/module_tree.h"

namespace flopscope::capture {

/// One module call in `torch::jit::currentModuleHierarchy()`: "layer1(Sequential)::forward" -> {layer1, Sequential}.
struct ModuleCall {
  std::string instance;
  std::string class_name;
};

/// The module calls of a hierarchy such as {"TOP(ResNet)::forward", "layer1(Sequential)::forward",
/// "0(Bottleneck)::forward", "SELF(Bottleneck)::f"}: the first entry is the root; SELF, free functions and
/// unknown instances add nothing.
std::vector<ModuleCall> module_calls(const std::vector<std::string>& hierarchy);

/// The canonical path of the module those calls reach in `tree`. A call names only the last attribute of
/// `self.layers[0](x)` ("0"), so a name that is not a child is looked for below children that were not
/// called themselves (ModuleList, ModuleDict), matching the class too. Stops at the deepest module found.
std::string resolve_path(const ModuleTree& tree, const std::vector<ModuleCall>& calls);


/// Resolves TorchScript ops to canonical module paths of `tree`.
class JitResolver : public ModuleResolver {
 public:
  explicit JitResolver(const ModuleTree& tree) : m_tree(tree) {}
  std::string resolve(const at::RecordFunction& fn) override;

 private:
  const ModuleTree& m_tree;
  std::string m_key;                                     // the hierarchy joined, reused between calls
  std::unordered_map<std::string, std::string> m_paths;  // joined hierarchy -> canonical path
};

}  // namespace flopscope::capture
