// How the package opens each module's scope while the module runs (python/flopscope/_modules.py, hooked()):
// ScopedCall, one C++ call around a module's call, for modules without hooks of their own (ScopedCalls installs
// and removes them all); ScopeHooks, one object whose pre-hook and hook serve every module that has some, finding
// its canonical name by the module's identity.
#include "bindings.h"

#include <c10/util/ThreadLocalDebugInfo.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "flopscope/module_scope.h"

namespace flopscope::python {
namespace {

// A debug-info kind of the package's own, next to the capture's (src/capture/device_thread_slot.h: 0x46, 0x47).
constexpr auto kWatchSlot = static_cast<c10::DebugInfoKind>(0x48);
struct WatchMark final : c10::DebugInfoBase {};

// Counts the model's module calls the capture does not follow. It records the analysing thread and the threads that
// take on its ThreadLocalState (autograd's device threads in a CUDA backward, which rerun checkpointed blocks); a
// module called on a thread of the model's own (a thread pool in its forward, nn.DataParallel over several GPUs)
// runs ops nobody records, and the report would read zero for them without a word. The analysing thread carries a
// mark in its debug info while the watch is open; a call on a thread without it is counted.
class ThreadWatch {
 public:
  ThreadWatch() { m_mark.emplace(kWatchSlot, std::make_shared<WatchMark>()); }

  void check() {
    if (c10::ThreadLocalDebugInfo::get(kWatchSlot) == nullptr) m_elsewhere.fetch_add(1, std::memory_order_relaxed);
  }

  std::int64_t elsewhere() const { return m_elsewhere.load(std::memory_order_relaxed); }

  /// Takes the mark off the analysing thread (the thread that made the watch, in the reverse order of the guards
  /// pushed since). Safe to call twice.
  void close() { m_mark.reset(); }

 private:
  std::optional<c10::DebugInfoGuard> m_mark;
  std::atomic<std::int64_t> m_elsewhere{0};
};

class ScopeHooks {
 public:
  /// modules[i]'s canonical name is names[i], for every distinct module of the model (a Description's lists);
  /// the hooks sit under hook_id in each hooked module's hook dicts.
  ScopeHooks(const py::list& modules, const py::list& names, std::int64_t hook_id, std::shared_ptr<ThreadWatch> watch)
      : m_hook_id(hook_id), m_watch(std::move(watch)) {
    m_names.reserve(modules.size());
    for (std::size_t i = 0; i < modules.size() && i < names.size(); ++i)
      m_names.emplace(reinterpret_cast<std::uintptr_t>(modules[i].ptr()), utf8(names[i]));
  }

  /// The hooks a copy of a hooked module holds (copy.deepcopy or pickle of the model inside an analysis or a
  /// profile block: an EMA or SWA model, a TransformerEncoder's cloned layers): closed from the start.
  static ScopeHooks copied(std::int64_t hook_id) {
    ScopeHooks hooks(py::list(), py::list(), hook_id, nullptr);
    hooks.close();
    return hooks;
  }

  std::int64_t hook_id() const { return m_hook_id; }

  /// After the analysis: the hooks open nothing, and take themselves out of a module that calls them (a copy
  /// made during the analysis, which hooked() does not know, keeps them until its first call; its forward then
  /// runs as it would without them, a TransformerEncoderLayer's fast path included).
  void close() {
    m_names.clear();
    m_closed = true;
  }

  /// A forward pre-hook: opens the module's scope. A module the description does not hold (added after it was
  /// read) opens none, and its post-hook closes none.
  void pre(py::handle module, py::handle /*args*/) const {
    const auto it = m_names.find(reinterpret_cast<std::uintptr_t>(module.ptr()));
    if (it == m_names.end()) {
      remove_from(module);
      return;
    }
    if (m_watch) m_watch->check();
    ModuleScope::enter(it->second);
  }

  /// A forward hook installed with always_call: closes the module's scope, after a forward that raised too.
  void post(py::handle module, py::handle /*args*/, py::handle /*output*/) const {
    if (m_names.count(reinterpret_cast<std::uintptr_t>(module.ptr())) != 0)
      ModuleScope::leave();
    else
      remove_from(module);
  }

 private:
  // nn.Module._call_impl iterates over a snapshot of each hook dict, so a hook may take itself out while called.
  void remove_from(py::handle module) const {
    if (!m_closed) return;
    const py::int_ id(m_hook_id);
    for (const char* hooks : {"_forward_pre_hooks", "_forward_hooks", "_forward_hooks_always_called"}) {
      // Through the mapping protocol: the dicts are OrderedDicts, whose order PyDict_DelItem would leave behind.
      const py::object dict = py::getattr(module, hooks, py::none());
      if (PyDict_Check(dict.ptr()) && PyObject_DelItem(dict.ptr(), id.ptr()) != 0) PyErr_Clear();
    }
  }

  std::unordered_map<std::uintptr_t, std::string> m_names;
  std::int64_t m_hook_id;
  bool m_closed = false;
  std::shared_ptr<ThreadWatch> m_watch;
};

// A module's call with its scope open around it: set as the module's _compiled_call_impl, which
// nn.Module.__call__ calls instead of _call_impl when it is set. Costs one C++ call per module call, where hooks
// send every call down _call_impl's slow path (twice the time on ResNet-50). Only what __call__ runs is inside
// the scope, as with hooks: a parent calling child.forward() directly opens nothing, as under mmengine's tracer.
class ScopedCall {
 public:
  ScopedCall(py::object call, const py::str& path, std::shared_ptr<ThreadWatch> watch)
      : m_call(std::move(call)), m_path(utf8(path)), m_watch(std::move(watch)) {}

  py::object operator()(const py::args& args, const py::kwargs& kwargs) const {
    if (m_watch) m_watch->check();
    ModuleScope::enter(m_path);
    PyObject* result = PyObject_Call(m_call.ptr(), args.ptr(), kwargs.ptr());
    ModuleScope::leave();
    if (result == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(result);
  }

 private:
  py::object m_call;
  std::string m_path;
  std::shared_ptr<ThreadWatch> m_watch;
};

// The ScopedCalls hooked() installs: one for each module that needs no hooks, put into its __dict__ in one C++
// loop (a Python loop made the bound method, the object and the dict writes one interpreted step at a time), and
// taken out again by remove(), on every exit.
class ScopedCalls {
 public:
  /// Installs a ScopedCall in each of `modules` (canonical name names[i]) that has no hooks of its own and no
  /// _compiled_call_impl; `left()` lists the others, in order, for hooks. What was installed before a failure is
  /// taken out again before the error propagates.
  ScopedCalls(const py::list& modules, const py::list& names, std::shared_ptr<ThreadWatch> watch)
      : m_watch(std::move(watch)) {
    try {
      for (std::size_t i = 0; i < modules.size() && i < names.size(); ++i) install(modules[i], names[i]);
    } catch (...) {
      remove();
      throw;
    }
  }

  const py::list& left() const { return m_left; }

  /// Puts each module's slot back as it was: absent, or None. Safe to call twice.
  void remove() {
    for (auto& [state, had_slot] : m_installed) {
      // Nothing may stay raised from here (it runs in a finally): a slot the model's own code took out already is
      // simply gone, and a dict that cannot be written (out of memory) is left as it is.
      const int failed = had_slot ? PyDict_SetItem(state.ptr(), m_slot.ptr(), Py_None)
                                  : PyDict_DelItem(state.ptr(), m_slot.ptr());
      if (failed != 0) PyErr_Clear();
    }
    m_installed.clear();
  }

 private:
  void install(py::handle module, py::handle name) {
    static const char* const kHooks[] = {"_forward_pre_hooks", "_forward_hooks", "_backward_pre_hooks",
                                         "_backward_hooks"};
    const py::object state = py::getattr(module, "__dict__");
    bool plain = PyDict_Check(state.ptr());
    for (const char* hooks : kHooks) {
      if (!plain) break;
      PyObject* dict = PyDict_GetItemString(state.ptr(), hooks);  // borrowed
      const int set = dict == nullptr ? 1 : PyObject_IsTrue(dict);  // missing: let the hook way say why
      if (set < 0) throw py::error_already_set();
      plain = set == 0;
    }
    PyObject* slot = plain ? PyDict_GetItemWithError(state.ptr(), m_slot.ptr()) : nullptr;  // borrowed
    if (slot == nullptr && PyErr_Occurred()) throw py::error_already_set();
    if (!plain || (slot != nullptr && slot != Py_None)) {
      m_left.append(module);
      return;
    }
    const py::object call = py::reinterpret_steal<py::object>(PyObject_GetAttr(module.ptr(), m_call_impl.ptr()));
    if (!call) throw py::error_already_set();
    const py::object scoped = py::cast(ScopedCall(call, py::reinterpret_borrow<py::str>(name), m_watch));
    if (PyDict_SetItem(state.ptr(), m_slot.ptr(), scoped.ptr()) != 0) throw py::error_already_set();
    m_installed.emplace_back(state, slot != nullptr);
  }

  // Attribute names made per object: a static py::object would be released after the interpreter is gone.
  const py::str m_slot{"_compiled_call_impl"}, m_call_impl{"_call_impl"};
  std::vector<std::pair<py::object, bool>> m_installed;  // the module's __dict__, whether it held the slot before
  py::list m_left;
  std::shared_ptr<ThreadWatch> m_watch;
};

}  // namespace

void bind_hooks(py::module_& m) {
  py::class_<ThreadWatch, std::shared_ptr<ThreadWatch>>(m, "ThreadWatch")
      .def(py::init<>())
      .def_property_readonly("elsewhere", &ThreadWatch::elsewhere,
                             "the model's module calls made on threads the capture does not follow")
      .def("close", &ThreadWatch::close);
  py::class_<ScopeHooks>(m, "ScopeHooks")
      .def(py::init<const py::list&, const py::list&, std::int64_t, std::shared_ptr<ThreadWatch>>(),
           py::arg("modules"), py::arg("names"), py::arg("hook_id"), py::arg("watch") = nullptr)
      .def("pre", &ScopeHooks::pre)
      .def("post", &ScopeHooks::post)
      .def("close", &ScopeHooks::close)
      // A copy or a pickle of a hooked module holds hooks closed from the start (ScopeHooks::copied).
      .def(py::pickle([](const ScopeHooks& hooks) { return py::make_tuple(hooks.hook_id()); },
                      [](const py::tuple& state) { return ScopeHooks::copied(state[0].cast<std::int64_t>()); }));
  py::class_<ScopedCall>(m, "ScopedCall")
      .def(py::init<py::object, const py::str&, std::shared_ptr<ThreadWatch>>(), py::arg("call"), py::arg("path"),
           py::arg("watch") = nullptr)
      .def("__call__", &ScopedCall::operator());
  py::class_<ScopedCalls>(m, "ScopedCalls")
      .def(py::init<const py::list&, const py::list&, std::shared_ptr<ThreadWatch>>(), py::arg("modules"),
           py::arg("names"), py::arg("watch") = nullptr)
      .def_property_readonly("left", &ScopedCalls::left, "the modules that need hooks instead, in order")
      .def("remove", &ScopedCalls::remove);
}

}  // namespace flopscope::python
