// _core.describe(model): the module tree, parameters and buffers of a live nn.Module, read the way mmengine reads
// them (python/flopscope/_modules.py says which rules), in one walk of each module's _modules, _parameters and
// _buffers dicts. Done here rather than in Python because it runs before every analysis: building Python tuples
// for every module and parameter, only to convert them again, was most of its cost.
#include "bindings.h"

#include <torch/csrc/autograd/python_variable.h>

#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace flopscope::python {

std::string utf8(py::handle text) {
  if (!PyUnicode_Check(text.ptr())) return utf8(py::str(text));
  Py_ssize_t size = 0;
  if (const char* data = PyUnicode_AsUTF8AndSize(text.ptr(), &size)) return {data, static_cast<std::size_t>(size)};
  PyErr_Clear();
  const auto bytes =
      py::reinterpret_steal<py::bytes>(PyUnicode_AsEncodedString(text.ptr(), "utf-8", "surrogatepass"));
  if (!bytes) throw py::error_already_set();
  return bytes;
}

namespace {

std::string joined(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

// What a class defines under `name`, found along its MRO as Python would but without calling a descriptor's
// __get__: a TorchScript module's class holds a descriptor for forward that raises when asked from the class.
py::handle class_attribute(PyTypeObject* type, const char* name) {
  const py::str key(name);
  const py::handle mro(type->tp_mro);
  for (const auto base : mro) {
    PyObject* dict = reinterpret_cast<PyTypeObject*>(base.ptr())->tp_dict;
    if (PyObject* found = dict == nullptr ? nullptr : PyDict_GetItemWithError(dict, key.ptr())) return found;
    if (PyErr_Occurred()) throw py::error_already_set();
  }
  return py::handle(Py_None);
}

// What each class of module contributes, looked up once per class.
struct ClassFacts {
  std::string name;           // type(m).__name__
  bool real_forward = true;   // fvcore's rule: its forward is not nn.Module's, ModuleList's, ModuleDict's, Identity's
  bool torchs_walk = true;    // named_modules, named_parameters and named_buffers are nn.Module's own
};

class Reader {
 public:
  Reader() {
    const py::module_ nn = py::module_::import("torch.nn");
    for (const char* cls : {"Module", "ModuleList", "ModuleDict", "Identity"})
      m_no_forward.push_back(nn.attr(cls).attr("forward"));
    for (const char* method : {"named_modules", "named_parameters", "named_buffers"})
      m_walks.emplace_back(method, nn.attr("Module").attr(method));
  }

  const ClassFacts& facts(py::handle module) {
    PyTypeObject* type = Py_TYPE(module.ptr());
    auto it = m_facts.find(type);
    if (it != m_facts.end()) return it->second;
    const py::handle cls(reinterpret_cast<PyObject*>(type));
    ClassFacts f;
    f.name = utf8(cls.attr("__name__"));
    const py::handle forward = class_attribute(type, "forward");
    for (const auto& none : m_no_forward) f.real_forward = f.real_forward && !forward.is(none);
    for (const auto& [method, torchs] : m_walks) f.torchs_walk = f.torchs_walk && class_attribute(type, method).is(torchs);
    return m_facts.emplace(type, std::move(f)).first->second;
  }

 private:
  std::vector<py::object> m_no_forward;
  std::vector<std::pair<const char*, py::object>> m_walks;
  std::unordered_map<PyTypeObject*, ClassFacts> m_facts;
};

// A module's registry dict (_modules, _parameters, _buffers), in insertion order: (key, value) with None skipped.
template <class Visit>
void each_entry(py::handle module, const py::str& registry, Visit&& visit) {
  const py::object dict = py::reinterpret_steal<py::object>(PyObject_GetAttr(module.ptr(), registry.ptr()));
  if (!dict) throw py::error_already_set();
  if (PyDict_Check(dict.ptr())) {
    Py_ssize_t pos = 0;
    PyObject *key = nullptr, *value = nullptr;
    while (PyDict_Next(dict.ptr(), &pos, &key, &value))
      if (value != Py_None) visit(py::handle(key), py::handle(value));
    return;
  }
  for (const auto item : dict.attr("items")()) {
    const auto pair = item.cast<py::tuple>();
    if (!pair[1].is_none()) visit(pair[0], pair[1]);
  }
}

// A module's extra_repr(), as mmengine prints it: a failing one prints nothing (Exception, not BaseException:
// an interrupt still interrupts), anything but a string prints as str() of it.
std::string extra_repr(py::handle module) {
  PyObject* text = PyObject_CallMethod(module.ptr(), "extra_repr", nullptr);
  if (text == nullptr) {
    if (!PyErr_ExceptionMatches(PyExc_Exception)) throw py::error_already_set();
    PyErr_Clear();
    return {};
  }
  return utf8(py::reinterpret_steal<py::object>(text));
}

// A module that holds one of its own ancestors (a child keeping a reference to its parent as a submodule) makes
// the children a cycle, and every report that walks the tree down would never end (mmengine and repr() raise
// RecursionError on such a model). The edges a depth-first walk from the root finds pointing back into its own
// path are dropped, as the walk of _modules skips them: what is left has no cycle, and a module shared by two
// owners stays under both.
void drop_back_edges(ModuleTree& tree) {
  enum : char { kNew, kOpen, kDone };
  std::vector<char> state(tree.nodes.size(), kNew);
  std::vector<std::pair<int, std::size_t>> stack;  // node, next child to look at
  for (std::size_t root = 0; root < tree.nodes.size(); ++root) {
    if (state[root] != kNew) continue;
    stack.emplace_back(static_cast<int>(root), 0);
    state[root] = kOpen;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      auto& children = tree.nodes[static_cast<std::size_t>(node)].children;
      if (next == children.size()) {
        state[static_cast<std::size_t>(node)] = kDone;
        stack.pop_back();
        continue;
      }
      const int child = children[next].second;
      if (state[static_cast<std::size_t>(child)] == kOpen) {
        children.erase(children.begin() + static_cast<std::ptrdiff_t>(next));
      } else {
        ++next;
        if (state[static_cast<std::size_t>(child)] == kNew) {
          state[static_cast<std::size_t>(child)] = kOpen;
          stack.emplace_back(child, 0);  // invalidates node and next, used no more this round
        }
      }
    }
  }
}

}  // namespace

std::shared_ptr<Description> describe(py::handle model, bool extra_reprs) {
  Reader reader;
  auto d = std::make_shared<Description>();
  const py::str modules_key("_modules"), parameters_key("_parameters"), buffers_key("_buffers");
  std::unordered_map<PyObject*, int> index;  // distinct module -> node
  std::vector<std::string> names;            // node -> canonical name
  std::vector<py::object> modules;           // node -> module (references held: extra_repr() runs model code)

  // Pre-order over _modules, as named_modules() walks it: a module is a node once, under its first name, and
  // every path to it is recorded. A module that contains itself is not entered again (torch would not stop).
  struct Frame {
    py::object module;
    std::string prefix;
    std::vector<std::pair<std::string, py::object>> children;
    std::size_t next = 0;
  };
  std::unordered_set<PyObject*> ancestors;
  std::vector<Frame> stack;
  auto enter = [&](py::object module, std::string prefix) {
    auto [it, fresh] = index.emplace(module.ptr(), static_cast<int>(modules.size()));
    if (fresh) {
      modules.push_back(module);
      names.push_back(prefix);
    }
    d->tree.by_path.insert_or_assign(prefix, it->second);
    ancestors.insert(module.ptr());
    Frame f{module, std::move(prefix), {}, 0};
    each_entry(f.module, modules_key, [&](py::handle key, py::handle child) {
      f.children.emplace_back(utf8(key), py::reinterpret_borrow<py::object>(child));
    });
    stack.push_back(std::move(f));
  };
  enter(py::reinterpret_borrow<py::object>(model), "");
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.next == top.children.size()) {
      ancestors.erase(top.module.ptr());
      stack.pop_back();
      continue;
    }
    const auto& [key, child] = top.children[top.next++];
    // enter() grows the stack, so its arguments are copies made before it runs.
    if (ancestors.count(child.ptr()) == 0) enter(child, joined(top.prefix, key));
  }

  bool torchs_walk = true;
  for (const auto& m : modules) torchs_walk = torchs_walk && reader.facts(m).torchs_walk;
  std::vector<std::pair<std::string, at::Tensor>> parameters, buffers;
  if (torchs_walk) {
    // Each module's own tensors in node order, each tensor once under its first name: named_parameters() and
    // named_buffers() exactly.
    for (const auto& [registry, into] :
         {std::pair{&parameters_key, &parameters}, std::pair{&buffers_key, &buffers}}) {
      std::unordered_set<PyObject*> seen;
      for (std::size_t i = 0; i < modules.size(); ++i)
        each_entry(modules[i], *registry, [&](py::handle key, py::handle value) {
          if (!THPVariable_Check(value.ptr()) || !seen.insert(value.ptr()).second) return;
          into->emplace_back(joined(names[i], utf8(key)), THPVariable_Unpack(value.ptr()));
        });
    }
  } else {
    // A class overrides one of the walks (a wrapper that renames or hides its members): ask the methods, as
    // mmengine does.
    index.clear();
    modules.clear();
    names.clear();
    d->tree.by_path.clear();
    for (const auto item : model.attr("named_modules")()) {
      const auto pair = item.cast<py::tuple>();
      if (index.emplace(pair[1].ptr(), static_cast<int>(modules.size())).second) {
        modules.push_back(py::reinterpret_borrow<py::object>(pair[1]));
        names.push_back(utf8(pair[0]));
      }
    }
    for (const auto item : model.attr("named_modules")(py::arg("remove_duplicate") = false)) {
      const auto pair = item.cast<py::tuple>();
      const auto it = index.find(pair[1].ptr());
      if (it != index.end()) d->tree.by_path.insert_or_assign(utf8(pair[0]), it->second);
    }
    for (const auto& [method, into] :
         {std::pair{"named_parameters", &parameters}, std::pair{"named_buffers", &buffers}})
      for (const auto item : model.attr(method)()) {
        const auto pair = item.cast<py::tuple>();
        if (THPVariable_Check(pair[1].ptr()))
          into->emplace_back(utf8(pair[0]), THPVariable_Unpack(pair[1].ptr()));
      }
  }

  d->tree.nodes.reserve(modules.size());
  d->modules = py::list(modules.size());
  d->names = py::list(modules.size());
  for (std::size_t i = 0; i < modules.size(); ++i) {
    const ClassFacts& facts = reader.facts(modules[i]);
    ModuleNode node;
    node.path = names[i];
    node.class_name = facts.name;
    if (extra_reprs) node.extra_repr = extra_repr(modules[i]);  // model code, for the architecture text only
    node.real_forward = facts.real_forward;
    each_entry(modules[i], modules_key, [&](py::handle key, py::handle child) {
      const auto it = index.find(child.ptr());
      if (it != index.end()) node.children.emplace_back(utf8(key), it->second);
    });
    d->tree.nodes.push_back(std::move(node));
    d->modules[i] = modules[i];
    PyObject* name =
        PyUnicode_DecodeUTF8(names[i].data(), static_cast<Py_ssize_t>(names[i].size()), "surrogatepass");
    if (name == nullptr) throw py::error_already_set();
    d->names[i] = py::reinterpret_steal<py::str>(name);  // the name as Python spelled it, lone surrogates too
  }
  drop_back_edges(d->tree);
  for (auto& [name, tensor] : parameters) {
    ParamInfo p;
    p.name = std::move(name);
    p.shape = tensor.sizes().vec();
    p.numel = 1;
    for (const auto n : p.shape) p.numel *= n;
    d->tree.params.push_back(std::move(p));
    d->parameters.push_back(std::move(tensor));
  }
  for (auto& entry : buffers) d->buffers.push_back(std::move(entry.second));
  d->training = py::bool_(model.attr("training"));
  d->name = reader.facts(model).name;
  return d;
}

void bind_describe(py::module_& m) {
  py::class_<Description, std::shared_ptr<Description>>(m, "Description")
      .def_readonly("modules", &Description::modules, "the distinct modules, in named_modules() order")
      .def_readonly("names", &Description::names, "each module's canonical name, in the same order")
      .def_readonly("parameters", &Description::parameters, "each parameter once, in named_parameters() order");
  m.def("describe", &describe, py::arg("model"), py::arg("extra_reprs") = true,
        "The module tree, parameters and buffers of an nn.Module, as the analysis reads them (extra_reprs=False: "
        "without asking each module's extra_repr(), which only the architecture text prints).");
}

}  // namespace flopscope::python
