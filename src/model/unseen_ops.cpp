// Ops of a TorchScript graph that do their work outside the dispatcher. The capture sees an op through the
// dispatcher's RecordFunction callbacks; an operator the interpreter runs itself (registered with the JIT, not
// with the dispatcher) calls none, nor do the kernels inside it. torch.jit.optimize_for_inference rewrites each
// convolution into one (prim::mkldnn_convolution, calling oneDNN directly), and a fusion group runs a whole
// subgraph as generated code: a model holding them would read as costing nearly nothing, with no op listed as
// unsupported. They are found in the graphs instead, so that such a model is refused with their names.
#include <torch/csrc/jit/api/function_impl.h>

#include <map>
#include <unordered_map>

#include "model/model.h"

namespace flopscope::model {
namespace {

// Whether a node kind is one the interpreter runs itself with real work inside: oneDNN's rewritten ops
// (prim::mkldnn_convolution, prim::MKLDNNHardSwish, ...) and fusion groups (prim::TensorExprGroup,
// prim::FusionGroup, prim::CudaFusionGroup, prim::oneDNNFusionGroup). Their constants
// (prim::ConstantMKLDNNTensor) and the differentiable graphs of autodiff, whose ops dispatch, are not.
bool unseen(c10::Symbol kind) {
  if (!kind.is_prim()) return false;
  const std::string name = kind.toUnqualString();
  auto starts = [&](const char* prefix) { return name.rfind(prefix, 0) == 0; };
  auto ends = [&](const std::string& suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return starts("mkldnn_") || starts("MKLDNN") || (ends("Group") && name != "DifferentiableGraph");
}

using Counts = std::map<std::string, std::int64_t>;

// The unseen nodes of each graph function, with those of the methods it calls added at each call, counted once
// per function (a method called from many places is walked once).
class Walker {
 public:
  const Counts& of(torch::jit::GraphFunction& fn) {
    auto found = m_done.find(&fn);
    if (found != m_done.end()) return found->second;  // empty while being walked: a recursive call adds nothing
    m_done.emplace(&fn, Counts{});
    Counts counts;
    walk(fn.graph()->block(), counts);
    return m_done[&fn] = std::move(counts);
  }

 private:
  void walk(const torch::jit::Block* block, Counts& counts) {
    for (const torch::jit::Node* node : block->nodes()) {
      for (const torch::jit::Block* inner : node->blocks()) walk(inner, counts);
      if (unseen(node->kind())) ++counts[node->kind().toQualString()];
      if (node->kind() != c10::prim::CallMethod) continue;
      const auto type = node->input(0)->type()->cast<c10::ClassType>();
      torch::jit::Function* callee = type ? type->findMethod(node->s(c10::attr::name)) : nullptr;
      if (callee == nullptr || !callee->isGraphFunction()) continue;
      for (const auto& [kind, n] : of(torch::jit::toGraphFunction(*callee))) counts[kind] += n;
    }
  }

  std::unordered_map<torch::jit::GraphFunction*, Counts> m_done;
};

}  // namespace

std::vector<std::pair<std::string, std::int64_t>> unseen_ops(const torch::jit::Module& model) {
  const auto method = model.find_method("forward");
  if (!method || !method->function().isGraphFunction()) return {};
  Walker walker;
  const Counts& counts = walker.of(torch::jit::toGraphFunction(method->function()));
  return {counts.begin(), counts.end()};
}

}  // namespace flopscope::model
