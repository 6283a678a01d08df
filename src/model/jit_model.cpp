// TorchScript modules: hierarchy from the module objects (shared submodules keep their first name),
// parameters in named_parameters() order, extra_repr from the attributes scripting keeps.
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "model/model.h"
#include "report/python_format.h"

namespace flopscope::model {
namespace {

std::optional<std::string> python_text(const c10::IValue& v) {
  if (v.isBool()) return std::string(v.toBool() ? "True" : "False");
  if (v.isInt()) return std::to_string(v.toInt());
  if (v.isDouble()) return report::python_float(v.toDouble());
  if (v.isNone()) return std::string("None");
  if (v.isString()) return "'" + v.toStringRef() + "'";
  if (v.isIntList()) return report::python_tuple(v.toIntVector());
  if (v.isTuple()) {
    std::vector<std::int64_t> ints;
    for (const auto& e : v.toTupleRef().elements()) {
      if (!e.isInt()) return std::nullopt;
      ints.push_back(e.toInt());
    }
    return report::python_tuple(ints);
  }
  return std::nullopt;
}

AttrLookup jit_attrs(const torch::jit::Module& m) {
  return [m](const std::string& name) -> std::optional<std::string> {
    if (name == "bias") {  // Python prints whether the bias exists
      if (!m.hasattr("bias")) return std::nullopt;
      auto b = m.attr("bias");
      return std::string(b.isTensor() && b.toTensor().defined() ? "True" : "False");
    }
    if (m.hasattr(name)) return python_text(m.attr(name));
    // Traced modules keep parameters but not constants: a Linear's sizes are its weight's shape.
    if ((name == "in_features" || name == "out_features") && m.hasattr("weight")) {
      auto w = m.attr("weight");
      if (w.isTensor() && w.toTensor().dim() == 2)
        return std::to_string(w.toTensor().size(name == "in_features" ? 1 : 0));
    }
    return std::nullopt;
  };
}

std::string class_of(const torch::jit::Module& m) {
  auto qualified = m.type()->name();
  return qualified ? qualified->name() : std::string("Module");
}

}  // namespace

ModuleTree jit_module_tree(const torch::jit::Module& root) {
  ModuleTree tree;
  std::unordered_map<const void*, int> seen;  // module object -> node
  std::unordered_set<const void*> seen_params;
  // Scripting copies a module registered under two names into two objects that share their parameters. A
  // module whose class and parameters are exactly an earlier one's is that module under a second name, as
  // it was in Python: mmengine credits both calls to the first name.
  std::map<std::pair<std::string, std::vector<const void*>>, int> by_parameters;

  // Depth-first, registration order: a module met again is an alias of its first node.
  std::function<int(const torch::jit::Module&, const std::string&)> visit = [&](const torch::jit::Module& m,
                                                                               const std::string& path) {
    const void* id = m._ivalue().get();
    if (auto it = seen.find(id); it != seen.end()) {
      tree.by_path.emplace(path, it->second);
      return it->second;
    }
    std::vector<const void*> own_params;
    for (const auto& p : m.named_parameters(/*recurse=*/false))
      if (p.value.defined()) own_params.push_back(p.value.unsafeGetTensorImpl());
    const std::string cls = class_of(m);
    if (!own_params.empty()) {
      auto [it, inserted] = by_parameters.emplace(std::make_pair(cls, own_params), static_cast<int>(tree.nodes.size()));
      if (!inserted) {
        seen.emplace(id, it->second);
        tree.by_path.emplace(path, it->second);
        return it->second;
      }
    }
    int index = static_cast<int>(tree.nodes.size());
    seen.emplace(id, index);
    tree.by_path.emplace(path, index);
    ModuleNode node;
    node.path = path;
    node.class_name = cls;
    node.extra_repr = extra_repr(node.class_name, jit_attrs(m));
    node.real_forward = has_real_forward(node.class_name);
    tree.nodes.push_back(std::move(node));

    for (const auto& p : m.named_parameters(/*recurse=*/false)) {
      if (!p.value.defined() || !seen_params.insert(p.value.unsafeGetTensorImpl()).second) continue;
      tree.params.push_back({path.empty() ? p.name : path + "." + p.name, p.value.sizes().vec(), p.value.numel()});
    }
    for (const auto& child : m.named_children()) {
      int c = visit(child.value, path.empty() ? child.name : path + "." + child.name);
      tree.nodes[static_cast<std::size_t>(index)].children.emplace_back(child.name, c);
    }
    return index;
  };
  visit(root, "");
  return tree;
}

}  // namespace flopscope::model
