#include "flopscope/module_scope.h"

#include <string>
#include <vector>

#include "capture/scope_stack.h"

namespace flopscope {
namespace {
thread_local std::vector<std::string> t_scopes;  // full dotted paths, innermost last
thread_local int t_traced = 0;                     // enter_traced() calls not yet left
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

void ModuleScope::enter(std::string_view path) { t_scopes.emplace_back(path); }

void ModuleScope::leave() {
  if (!t_scopes.empty()) t_scopes.pop_back();  // an unbalanced leave (a hook added mid-forward) is not a crash
}

std::size_t ModuleScope::depth() { return t_scopes.size(); }

void ModuleScope::unwind(std::size_t depth) {
  if (t_scopes.size() > depth) t_scopes.resize(depth);
}

void ModuleScope::enter_traced() { ++t_traced; }

void ModuleScope::leave_traced() {
  if (t_traced > 0) --t_traced;
}

namespace capture {
const std::string* innermost_scope() { return t_scopes.empty() ? nullptr : &t_scopes.back(); }
bool in_traced_graph() { return t_traced > 0; }
}  // namespace capture

}  // namespace flopscope
