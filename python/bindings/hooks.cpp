// How the package opens each module's scope while the module runs (python/flopscope/_modules.py, hooked()):
// ScopedCall, one C++ call around a module's call, for modules without hooks of their own; ScopeHooks, one object
// whose pre-hook and hook serve every module that has some, finding its canonical name by the module's identity.
#include "bindings.h"

#include <cstdint>
#include <string>
#include <unordered_map>

#include "flopscope/module_scope.h"

namespace flopscope::python {
namespace {

class ScopeHooks {
 public:
  /// modules[i]'s canonical name is names[i], for every distinct module of the model (a Description's lists).
  ScopeHooks(const py::list& modules, const py::list& names) {
    m_names.reserve(modules.size());
    for (std::size_t i = 0; i < modules.size() && i < names.size(); ++i)
      m_names.emplace(reinterpret_cast<std::uintptr_t>(modules[i].ptr()), utf8(names[i]));
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

// A module's call with its scope open around it: set as the module's _compiled_call_impl, which
// nn.Module.__call__ calls instead of _call_impl when it is set. Costs one C++ call per module call, where hooks
// send every call down _call_impl's slow path (twice the time on ResNet-50). Only what __call__ runs is inside
// the scope, as with hooks: a parent calling child.forward() directly opens nothing, as under mmengine's tracer.
class ScopedCall {
 public:
  ScopedCall(py::object call, const py::str& path) : m_call(std::move(call)), m_path(utf8(path)) {}

  py::object operator()(const py::args& args, const py::kwargs& kwargs) const {
    ModuleScope::enter(m_path);
    PyObject* result = PyObject_Call(m_call.ptr(), args.ptr(), kwargs.ptr());
    ModuleScope::leave();
    if (result == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(result);
  }

 private:
  py::object m_call;
  std::string m_path;
};

}  // namespace

void bind_hooks(py::module_& m) {
  py::class_<ScopeHooks>(m, "ScopeHooks")
      .def(py::init<const py::list&, const py::list&>(), py::arg("modules"), py::arg("names"))
      .def("pre", &ScopeHooks::pre)
      .def("post", &ScopeHooks::post);
  py::class_<ScopedCall>(m, "ScopedCall")
      .def(py::init<py::object, const py::str&>(), py::arg("call"), py::arg("path"))
      .def("__call__", &ScopedCall::operator());
}

}  // namespace flopscope::python
