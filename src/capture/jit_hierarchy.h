#pragma once
// Module paths of TorchScript ops, from the interpreter's module hierarchy.
#include <string>
#include <vector>

#include "capture/capture.h"
#include "flopscope/module_tree.h"

namespace flopscope::capture {

/// The dotted instance path in `torch::jit::currentModuleHierarchy()` entries such as
/// {"TOP(ResNet)::forward", "layer1(Sequential)::forward", "0(Bottleneck)::forward", "SELF(Bottleneck)::f"}
/// -> "layer1.0". The first entry is the root; SELF, free functions and unknown instances add nothing.
std::string dotted_path(const std::vector<std::string>& hierarchy);

/// Resolves TorchScript ops to canonical module paths of `tree`.
class JitResolver : public ModuleResolver {
 public:
  explicit JitResolver(const ModuleTree& tree) : m_tree(tree) {}
  std::string resolve(const at::RecordFunction& fn) override;

 private:
  const ModuleTree& m_tree;
};

}  // namespace flopscope::capture
