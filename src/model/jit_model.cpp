// TorchScript modules: hierarchy from the module objects (an object met twice keeps its first name),
// parameters in named_parameters() order (a tied parameter counts once, under its first name), extra_repr
// from the attributes scripting keeps.
//
// Scripting and tracing copy a Python module registered under two names into two objects that share their
// parameters, exactly as they save two modules whose weights are tied (T5's `shared` and its embeddings, a
// tied LM head). The file cannot tell the two apart, so both are kept as separate modules: tied weights are
// far more common, and mmengine keeps those apart. A module shared under two names is then reported under
// both names (mmengine lists only the first), with each call credited to the name it was called through.
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "model/model.h"
#include "text/python_text.h"

namespace flopscope::model {
namespace {

std::optional<std::string> python_text(const c10::IValue& v) {
  if (v.isBool()) return std::string(v.toBool() ? "True" : "False");
  if (v.isInt()) return std::to_string(v.toInt());
  if (v.isDouble()) return text::python_float(v.toDouble());
  if (v.isNone()) return std::string("None");
  if (v.isString()) return "'" + v.toStringRef() + "'";
  if (v.isIntList()) return text::python_tuple(v.toIntVector());
  if (v.isTuple()) {
    std::vector<std::int64_t> ints;
    for (const auto& e : v.toTupleRef().elements()) {
      if (!e.isInt()) return std::nullopt;
      ints.push_back(e.toInt());
    }
    return text::python_tuple(ints);
  }
  return std::nullopt;
}

// One module object's slots, read through its class, fetched once. torch::jit::Module's accessors take a
// reference to the object and to its class per call and per slot; over a whole tree that cost more than
// counting the model's FLOPs.
struct Slots {
  explicit Slots(const c10::ivalue::Object& o) : object(o), type(o.type()) {}
  // An attribute, else a class constant (what scripting keeps of `__constants__`), as Module::attr does.
  std::optional<c10::IValue> find(const std::string& name) const {
    if (auto slot = type->findAttributeSlot(name)) return object.getSlot(*slot);
    if (auto slot = type->findConstantSlot(name)) return type->getConstant(*slot);
    return std::nullopt;
  }
  const c10::ivalue::Object& object;
  c10::ClassTypePtr type;
};

// The module's attributes as Python prints them; what tracing dropped is read back from the parameters and
// the module's traced graph (traced_settings), once, on the first attribute the object lacks.
AttrLookup jit_attrs(const Slots& m, const std::string& cls) {
  auto traced = std::make_shared<std::optional<std::unordered_map<std::string, std::string>>>();
  return [&m, cls, traced](const std::string& name) -> std::optional<std::string> {
    if (name == "bias") {  // Python prints whether the bias exists
      const auto b = m.find("bias");
      // A traced module keeps only the parameters that exist: no bias slot next to a weight means no bias.
      if (!b) return m.find("weight") ? std::optional<std::string>("False") : std::nullopt;
      return std::string(b->isTensor() && b->toTensor().defined() ? "True" : "False");
    }
    if (const auto v = m.find(name)) return python_text(*v);
    if (!*traced) *traced = traced_settings(cls, m.object);
    const auto it = (*traced)->find(name);
    if (it == (*traced)->end()) return std::nullopt;
    return it->second;
  };
}

std::string class_of(const Slots& m) {
  const auto& qualified = m.type->name();
  return qualified ? qualified->name() : std::string("Module");
}

}  // namespace

ModuleTree jit_module_tree(const torch::jit::Module& root) {
  ModuleTree tree;
  std::unordered_map<const void*, int> seen;  // module object -> node
  std::unordered_set<const void*> seen_params;
  // Depth-first, registration order: a module met again is an alias of its first node.
  std::function<int(const c10::ivalue::Object&, const std::string&)> visit = [&](const c10::ivalue::Object& object,
                                                                                const std::string& path) {
    const void* id = &object;
    if (auto it = seen.find(id); it != seen.end()) {
      tree.by_path.emplace(path, it->second);
      return it->second;
    }
    const Slots m(object);
    const std::size_t slots = m.type->numAttributes();
    const std::string cls = class_of(m);
    int index = static_cast<int>(tree.nodes.size());
    seen.emplace(id, index);
    tree.by_path.emplace(path, index);
    ModuleNode node;
    node.path = path;
    node.class_name = cls;
    const auto& qualified = m.type->name();
    const std::string repr_as = repr_class(qualified ? qualified->qualifiedName() : cls);
    node.extra_repr = repr_as.empty() ? "" : extra_repr(repr_as, jit_attrs(m, repr_as));
    node.real_forward = has_real_forward(node.class_name);
    tree.nodes.push_back(std::move(node));

    for (std::size_t i = 0; i < slots; ++i) {
      if (!m.type->is_parameter(i) || !object.getSlot(i).isTensor()) continue;
      const at::Tensor& p = object.getSlot(i).toTensor();
      if (!p.defined() || !seen_params.insert(p.unsafeGetTensorImpl()).second) continue;
      const std::string& name = m.type->getAttributeName(i);
      tree.params.push_back({path.empty() ? name : path + "." + name, p.sizes().vec(), p.numel()});
    }
    for (std::size_t i = 0; i < slots; ++i) {
      if (!m.type->getAttribute(i)->is_module() || !object.getSlot(i).isObject()) continue;
      const std::string& name = m.type->getAttributeName(i);
      int c = visit(object.getSlot(i).toObjectRef(), path.empty() ? name : path + "." + name);
      tree.nodes[static_cast<std::size_t>(index)].children.emplace_back(name, c);
    }
    return index;
  };
  visit(*root._ivalue(), "");
  return tree;
}

}  // namespace flopscope::model
