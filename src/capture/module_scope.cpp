#include "flopscope/module_scope.h"

#include <string>
#include <vector>

#include "capture/scope_stack.h"

namespace flopscope {
namespace {
thread_local std::vector<std::string> t_scopes;  // full dotted paths, innermost last
}

ModuleScope::ModuleScope(std::string_view name) {
  if (t_scopes.empty() || t_scopes.back().empty()) {
    t_scopes.emplace_back(name);
  } else {
    std::string path = t_scopes.back();
    path += '.';
    path += name;
    t_scopes.push_back(std::move(path));
  }
}

ModuleScope::~ModuleScope() { t_scopes.pop_back(); }

namespace capture {
const std::string* innermost_scope() { return t_scopes.empty() ? nullptr : &t_scopes.back(); }
}  // namespace capture

}  // namespace flopscope
