#pragma once
/// Marks a region of a C++ frontend forward as running inside a named submodule, so flopscope attributes
/// its ops (including parameterless ones such as pooling and residual adds) to that module. Names nest:
///
///   x = ModuleScope::run("layer1", [&] { return layer1->forward(x); });
///   { flopscope::ModuleScope scope("avgpool"); x = avgpool(x); }
///
/// Optional: without scopes, ops are attributed by the parameters they read. Costs a thread-local push
/// and pop when no analysis is running.
#include <cstddef>
#include <string_view>

namespace flopscope {

class ModuleScope {
 public:
  explicit ModuleScope(std::string_view name);
  ~ModuleScope();
  ModuleScope(const ModuleScope&) = delete;
  ModuleScope& operator=(const ModuleScope&) = delete;

  template <typename F>
  static auto run(std::string_view name, F&& f) {
    ModuleScope scope(name);
    return f();
  }

  /// For callers whose modules announce themselves (Python forward hooks): `enter` opens the module at the full
  /// dotted `path` (not joined to the enclosing scope: a shared module is always its canonical self), `leave`
  /// closes the innermost one. `depth` and `unwind` let the caller close, after a forward that threw, whatever
  /// its hooks left open.
  static void enter(std::string_view path);
  static void leave();
  static std::size_t depth();
  static void unwind(std::size_t depth);

  /// For callers that run torch's control flow eagerly (an eager torch.cond, scan, map or while_loop, whose
  /// functions run as a graph torch traced, calling no module): between `enter_traced` and `leave_traced` an op
  /// that takes a parameter of a module at or inside the innermost open one goes to that module, as a `.pt2`'s
  /// subgraphs place their ops; any other op to the innermost module. Nests.
  static void enter_traced();
  static void leave_traced();
};

}  // namespace flopscope
