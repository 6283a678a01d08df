// The module hooks the package installs, in C++: one object for every module of a model, called by nn.Module's
// hook machinery with the module, looking up its canonical name by identity. A Python lambda per module cost a
// frame and a second call per hook; this is one call, and no per-module closure to build.
#include "bindings.h"

#include <cstdint>
#include <string>
#include <unordered_map>

#include "flopscope/module_scope.h"

namespace flopscope::python {
namespace {

class ScopeHooks {
 public:
  /// names: {id(module): canonical name} for every distinct module of the model.
  explicit ScopeHooks(const py::dict& names) {
    m_names.reserve(names.size());
    for (const auto& [id, name] : names) m_names.emplace(id.cast<std::uintptr_t>(), name.cast<std::string>());
  }

  /// A forward pre-hook: opens the module's scope. A module the description does not hold (added after it was
  /// read) opens none, and its post-hook closes none.
  void pre(py::handle module, py::handle /*args*/) const {
    const auto it = m_names.find(reinterpret_cast<std::uintptr_t>(module.ptr()));
    if (it != m_names.end()) ModuleScope::enter(it->second);
  }

  /// A forward hook installed with always_call: closes the module's scope, after a forward that raised too.
  void post(py::handle module, py::handle /*args*/, py::handle /*output*/) const {
    if (m_names.count(reinterpret_cast<std::uintptr_t>(module.ptr())) != 0) ModuleScope::leave();
  }

 private:
  std::unordered_map<std::uintptr_t, std::string> m_names;
};

}  // namespace

void bind_hooks(py::module_& m) {
  py::class_<ScopeHooks>(m, "ScopeHooks")
      .def(py::init<const py::dict&>(), py::arg("names"))
      .def("pre", &ScopeHooks::pre)
      .def("post", &ScopeHooks::post);
}

}  // namespace flopscope::python
