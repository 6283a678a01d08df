// Modules whose work no output of the forward uses. A traced file still calls them (a method call is never
// dead code to TorchScript), but mmengine traces the Python module into one inlined graph, from which the
// tracer removes every op whose result nothing uses: those modules' ops are not counted and the modules are
// listed as never called (transformers' ViT pooler under a wrapper that returns only the hidden state). The
// same cut is made here on an inlined copy of the forward's graph; the model's own graphs are not touched.
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/passes/lower_tuples.h>

#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "capture/jit_hierarchy.h"
#include "model/model.h"

namespace flopscope::model {
namespace {

// The tree path of the module a node of an inlined graph ran in ("" for the root's own nodes).
std::string module_of(const torch::jit::Node* node, const ModuleTree& tree) {
  const auto stack = node->callstack();
  if (!stack) return "";
  std::vector<capture::ModuleCall> calls;
  for (const auto& entry : (*stack)->vec()) {
    const auto& info = std::get<2>(entry);
    if (!info) continue;
    // Inlining does not always record the callee's class; the instance name is what places the call.
    const auto& type = info->class_type();
    calls.push_back({info->instance_name(), type && type->name() ? type->name()->name() : std::string()});
  }
  return capture::resolve_path(tree, calls);
}

// The modules that run at least one ATen op in `block` (nested blocks included), with their ancestors.
void modules_with_ops(const torch::jit::Block* block, const ModuleTree& tree, std::unordered_set<std::string>& out) {
  for (const torch::jit::Node* node : block->nodes()) {
    for (const torch::jit::Block* inner : node->blocks()) modules_with_ops(inner, tree, out);
    if (!node->kind().is_aten()) continue;
    std::string path = module_of(node, tree);
    while (out.insert(path).second && !path.empty()) {
      const auto dot = path.rfind('.');
      path = dot == std::string::npos ? std::string() : path.substr(0, dot);
    }
  }
}

// Inlines every module method call of a graph, nested ones first, from the callees' graphs as saved
// (torch::jit::Inline takes their optimised graphs, which the analysis runs without, and would make and cache
// them on the model's functions). Inlining a callee that is itself inlined composes the call stacks, so each
// node names its whole module path. One inlined graph per method, shared by its calls.
class Inliner {
 public:
  void inline_block(torch::jit::Block* block) {
    for (auto it = block->nodes().begin(); it != block->nodes().end();) {
      torch::jit::Node* node = *it++;
      for (torch::jit::Block* inner : node->blocks()) inline_block(inner);
      if (node->kind() != c10::prim::CallMethod) continue;
      const auto type = node->input(0)->type()->cast<c10::ClassType>();
      torch::jit::Function* callee = type ? type->findMethod(node->s(c10::attr::name)) : nullptr;
      if (callee == nullptr || !callee->isGraphFunction()) continue;
      auto& fn = torch::jit::toGraphFunction(*callee);
      if (torch::jit::Graph* g = inlined(fn)) torch::jit::inlineCallTo(node, &fn, g);
    }
  }

 private:
  torch::jit::Graph* inlined(torch::jit::GraphFunction& fn) {
    auto found = m_done.find(&fn);
    if (found != m_done.end()) return found->second.get();  // null while being inlined: a recursive call
    m_done.emplace(&fn, nullptr);
    auto graph = fn.graph()->copy();
    inline_block(graph->block());
    return (m_done[&fn] = std::move(graph)).get();
  }
  std::unordered_map<torch::jit::GraphFunction*, std::shared_ptr<torch::jit::Graph>> m_done;
};

// Whether some node of `block` makes a value nothing reads. Dead code always ends in one (SSA has no other
// way to drop a value), so where there is none, nothing is dead and the inlining below is not needed: the
// common case, checked in one walk of each method's graph as saved.
bool drops_a_value(const torch::jit::Block* block) {
  for (const torch::jit::Node* node : block->nodes()) {
    for (const torch::jit::Block* inner : node->blocks())
      if (drops_a_value(inner)) return true;
    if (node->kind() == c10::prim::Constant || node->kind() == c10::prim::GetAttr) continue;
    for (const torch::jit::Value* out : node->outputs())
      if (!out->hasUses() && out->type()->kind() != c10::TypeKind::NoneType) return true;
  }
  return false;
}

bool any_method_drops_a_value(const torch::jit::Module& module, std::unordered_set<const c10::ClassType*>& seen) {
  if (!seen.insert(module.type().get()).second) return false;
  for (const auto& method : module.get_methods())
    if (drops_a_value(method.graph()->block())) return true;
  for (const auto& child : module.children())
    if (any_method_drops_a_value(child, seen)) return true;
  return false;
}

}  // namespace

std::unordered_set<std::string> unused_modules(const torch::jit::Module& model, const ModuleTree& tree) {
  const auto method = model.find_method("forward");
  if (!method) return {};
  std::unordered_set<const c10::ClassType*> seen;
  if (!any_method_drops_a_value(model, seen)) return {};
  auto graph = method->graph()->copy();
  Inliner().inline_block(graph->block());
  std::unordered_set<std::string> before, after;
  modules_with_ops(graph->block(), tree, before);
  // A tuple returned by a submodule and unpacked by its caller keeps every element alive until tuples are
  // lowered away, as a trace never builds them. A graph the pass cannot lower (tuples inside lists) is left
  // whole: nothing is cut, as before.
  try {
    torch::jit::LowerAllTuples(graph);
  } catch (const std::exception&) {
    return {};
  }
  torch::jit::EliminateDeadCode(graph);
  modules_with_ops(graph->block(), tree, after);
  std::unordered_set<std::string> unused;
  for (const auto& path : before)
    if (after.count(path) == 0) unused.insert(path);
  return unused;
}

}  // namespace flopscope::model
