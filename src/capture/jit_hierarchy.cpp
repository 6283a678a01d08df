#include "capture/jit_hierarchy.h"

#include <functional>

#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/runtime/interpreter.h>

namespace flopscope::capture {

std::vector<ModuleCall> module_calls(const std::vector<std::string>& hierarchy) {
  std::vector<ModuleCall> calls;
  for (std::size_t i = 1; i < hierarchy.size(); ++i) {
    const std::string& entry = hierarchy[i];
    auto open = entry.find('(');
    if (open == 0 || open == std::string::npos) continue;  // "::fn" or malformed
    std::string instance = entry.substr(0, open);
    if (instance == "SELF" || instance == "INSTANCE_NAME_UNKNOWN" || instance == "CALL_FUNCTION" ||
        instance == "UNKNOWN_INSTANCE")
      continue;
    auto close = entry.find(')', open);
    calls.push_back({instance, entry.substr(open + 1, close == std::string::npos ? std::string::npos : close - open - 1)});
  }
  return calls;
}

namespace {

bool is_container(const ModuleNode& node) {
  return node.class_name == "ModuleList" || node.class_name == "ModuleDict" || node.class_name == "ParameterList";
}

// The child of `node` reached by `call`: a direct child of that name, else one below uncalled containers.
int find_child(const ModuleTree& tree, int node, const ModuleCall& call) {
  const auto& children = tree.nodes[static_cast<std::size_t>(node)].children;
  for (const auto& [key, child] : children)
    if (key == call.instance) return child;
  for (const auto& [key, child] : children) {
    if (!is_container(tree.nodes[static_cast<std::size_t>(child)])) continue;
    int found = find_child(tree, child, call);
    if (found >= 0 && tree.nodes[static_cast<std::size_t>(found)].class_name == call.class_name) return found;
  }
  return -1;
}

}  // namespace

std::string resolve_path(const ModuleTree& tree, const std::vector<ModuleCall>& calls) {
  if (tree.nodes.empty()) return "";
  int node = 0;
  for (const auto& call : calls) {
    int child = find_child(tree, node, call);
    if (child < 0) break;
    node = child;
  }
  return tree.nodes[static_cast<std::size_t>(node)].path;
}

namespace {

thread_local JitResolver* t_resolver = nullptr;

std::unique_ptr<at::ObserverContext> on_call(const at::RecordFunction& fn) {
  if (t_resolver != nullptr) t_resolver->enter(fn);
  return nullptr;
}

void on_return(const at::RecordFunction& fn, at::ObserverContext* /*unused*/) {
  if (t_resolver != nullptr) t_resolver->leave(fn);
}

// Whether the forward's graph had its calls inlined (torch.jit.freeze, or an inlining pass before saving):
// its nodes then carry the call stacks, and the interpreter makes no call to follow.
bool inlined(const torch::jit::Module& model) {
  auto method = model.find_method("forward");
  if (!method) return false;
  for (const torch::jit::Node* node : method->graph()->nodes())
    if (node->callstack()) return true;
  return false;
}

}  // namespace

JitResolver::JitResolver(const torch::jit::Module& model, const ModuleTree& tree) : m_tree(tree) {
  if (!tree.nodes.empty()) m_root = tree.nodes.front().path;
  m_follow_calls = !inlined(model);
  if (!m_follow_calls) return;
  // Pre-order, so that an object reached under two names keeps its first; each path maps to its canonical
  // node (the tree merges modules scripting duplicated). Slots are read through the class directly, as
  // jit_module_tree does: Module's accessors take references per slot.
  std::function<void(const c10::ivalue::Object&, const std::string&)> visit = [&](const c10::ivalue::Object& object,
                                                                                 const std::string& path) {
    auto node = tree.by_path.find(path);
    if (node != tree.by_path.end())
      m_by_object.emplace(&object, tree.nodes[static_cast<std::size_t>(node->second)].path);
    const c10::ClassTypePtr type = object.type();
    for (std::size_t i = 0; i < type->numAttributes(); ++i) {
      if (!type->getAttribute(i)->is_module() || !object.getSlot(i).isObject()) continue;
      const std::string& name = type->getAttributeName(i);
      visit(object.getSlot(i).toObjectRef(), path.empty() ? name : path + "." + name);
    }
  };
  visit(*model._ivalue(), "");
  // Room for any realistic nesting now, so that following calls allocates nothing during the forward.
  m_calls.reserve(64);
  m_handles.reserve(64);
  m_previous = t_resolver;
  t_resolver = this;
  m_callback = at::addThreadLocalCallback(
      at::RecordFunctionCallback(on_call, on_return).needsInputs(true).needsIds(true).scopes({at::RecordScope::TORCHSCRIPT_FUNCTION}));
}

JitResolver::~JitResolver() {
  if (m_callback == 0) return;
  at::removeCallback(m_callback);
  t_resolver = m_previous;
}

void JitResolver::enter(const at::RecordFunction& fn) {
  const std::string* module = m_calls.empty() ? nullptr : m_calls.back();
  const auto inputs = fn.inputs();
  if (!inputs.empty() && inputs.front().isObject()) {
    auto it = m_by_object.find(static_cast<const void*>(&inputs.front().toObjectRef()));
    if (it != m_by_object.end()) module = &it->second;
  }
  m_calls.push_back(module);
  m_handles.push_back(fn.handle());
}

void JitResolver::leave(const at::RecordFunction& fn) {
  std::size_t depth = m_handles.size();
  while (depth > 0 && m_handles[depth - 1] != fn.handle()) --depth;
  if (depth == 0) return;  // a call entered before this resolver existed
  m_calls.resize(depth - 1);
  m_handles.resize(depth - 1);
}

const std::string& JitResolver::resolve(const at::RecordFunction& /*fn*/) {
  if (!m_follow_calls) return from_hierarchy();
  if (m_calls.empty()) return m_root;  // outside any TorchScript call: the root's own code, or no model at all
  if (m_calls.back() != nullptr) return *m_calls.back();
  return from_hierarchy();  // inside calls none of which is on a module of the tree
}

const std::string& JitResolver::from_hierarchy() {
  // The interpreter builds the hierarchy's strings anyway; parsing them and walking the tree is done once
  // per distinct hierarchy (a model has about as many as it has modules).
  ++m_hierarchy_lookups;
  const auto hierarchy = torch::jit::currentModuleHierarchy();
  m_key.clear();
  for (const auto& entry : hierarchy) m_key.append(entry).push_back('\n');
  auto it = m_paths.find(m_key);
  if (it == m_paths.end()) it = m_paths.emplace(m_key, resolve_path(m_tree, module_calls(hierarchy))).first;
  return it->second;
}

}  // namespace flopscope::capture
