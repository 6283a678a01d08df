#pragma once
// Module paths of TorchScript ops, from the interpreter's module hierarchy.
#include <string>
#include <unordered_map>
#include <vector>

#include <torch/csrc/jit/api/module.h>

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
///
/// While it exists it follows the interpreter's function calls on this thread (RecordFunction's
/// TORCHSCRIPT_FUNCTION records, whose first input is the called method's `self`): a call on a module object
/// enters that module, any other call stays where it was. An op belongs to the innermost module entered, a
/// lookup with no string built; an op outside any call belongs to the root. The interpreter's module
/// hierarchy is parsed instead (module_calls, resolve_path, once per distinct hierarchy) for graphs whose
/// calls were inlined before they were run (their nodes carry the call stacks, and no call is made), and for
/// ops inside calls none of which is on a module of the tree.
class JitResolver : public ModuleResolver {
 public:
  /// `model` is the module whose forward runs (a shape-only analysis runs a meta twin with the same paths);
  /// `tree` was made from it or from the module it twins.
  JitResolver(const torch::jit::Module& model, const ModuleTree& tree);
  ~JitResolver() override;
  JitResolver(const JitResolver&) = delete;
  JitResolver& operator=(const JitResolver&) = delete;

  const std::string& resolve(const at::RecordFunction& fn) override;

  /// How many ops were placed by parsing the interpreter's hierarchy rather than by following calls.
  std::size_t hierarchy_lookups() const { return m_hierarchy_lookups; }

  /// Called by the function-call callback (public for it alone).
  void enter(const at::RecordFunction& fn);
  void leave(const at::RecordFunction& fn);

 private:
  const std::string& from_hierarchy();

  const ModuleTree& m_tree;
  bool m_follow_calls = true;
  std::size_t m_hierarchy_lookups = 0;
  std::unordered_map<const void*, std::string> m_by_object;  // module object -> canonical path
  std::string m_root;                                        // the root's canonical path
  std::vector<const std::string*> m_calls;                   // module of each open call, innermost last
  std::vector<at::RecordFunctionHandle> m_handles;           // their RecordFunction ids
  at::CallbackHandle m_callback = 0;
  JitResolver* m_previous = nullptr;
  std::string m_key;                                     // the hierarchy joined, reused between calls
  std::unordered_map<std::string, std::string> m_paths;  // joined hierarchy -> canonical path
};

}  // namespace flopscope::capture
