#pragma once
/// Marks a region of a C++ frontend forward as running inside a named submodule, so flopscope attributes
/// its ops (including parameterless ones such as pooling and residual adds) to that module. Names nest:
///
///   x = ModuleScope::run("layer1", [&] { return layer1->forward(x); });
///   { flopscope::ModuleScope scope("avgpool"); x = avgpool(x); }
///
/// Optional: without scopes, ops are attributed by the parameters they read. Costs a thread-local push
/// and pop when no analysis is running.
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
};

}  // namespace flopscope
