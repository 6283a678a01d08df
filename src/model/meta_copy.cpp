// Shape-only analysis runs the forward on a twin of the model whose tensors live on the meta device: same
// classes, same methods, same attributes, same shapes, dtypes and strides, but no data. The user's model is
// only read. Its parameters are never copied, so the twin costs a few allocations per tensor, not the model's
// size in memory traffic.
#include <ATen/ops/empty_strided.h>
#include <ATen/core/ivalue.h>
#include <torch/csrc/jit/ir/ir.h>

#include <unordered_map>

#include "flopscope/errors.h"
#include "model/model.h"

namespace flopscope::model {
namespace {

class MetaCopier {
 public:
  c10::IValue copy(const c10::IValue& v) {
    if (v.isTensor()) return tensor(v.toTensor());
    if (v.isObject()) return object(v.toObject());
    if (v.isTuple()) {
      std::vector<c10::IValue> items;
      for (const auto& e : v.toTupleRef().elements()) items.push_back(copy(e));
      return c10::ivalue::Tuple::create(std::move(items));
    }
    if (v.isTensorList()) {
      c10::List<at::Tensor> out;
      for (const at::Tensor& t : v.toTensorList()) out.push_back(tensor(t));
      return out;
    }
    if (v.isList()) {
      auto list = v.toList();
      c10::impl::GenericList out(list.elementType());
      for (const c10::IValue& e : list) out.push_back(copy(e));
      return out;
    }
    if (v.isGenericDict()) {
      auto dict = v.toGenericDict();
      c10::impl::GenericDict out(dict.keyType(), dict.valueType());
      for (const auto& entry : dict) out.insert(entry.key(), copy(entry.value()));
      return out;
    }
    if (v.isCapsule())  // a custom C++ class (quantized packed weights, ...): its data cannot be described
      throw InvalidInput("cannot be analysed shape-only: the model holds a custom C++ class object; analyse on cpu");
    return v;  // numbers, strings, None, devices: immutable or shared as they are
  }

 private:
  at::Tensor tensor(const at::Tensor& t) {
    if (!t.defined()) return t;
    auto found = m_tensors.find(t.unsafeGetTensorImpl());
    if (found != m_tensors.end()) return found->second;  // tied weights stay tied
    if (t.layout() != c10::kStrided || t.is_quantized() || t.is_mkldnn())
      throw InvalidInput("cannot be analysed shape-only: the model holds a " + std::string(t.is_quantized() ? "quantized" : "non-strided") +
                         " tensor; analyse on cpu");
    at::Tensor meta = at::empty_strided(t.sizes(), t.strides(), t.options().device(c10::kMeta));
    // Some composite ops choose their path by requires_grad (max_pool2d keeps indices for autograd).
    if (t.requires_grad()) meta.set_requires_grad(true);
    m_tensors.emplace(t.unsafeGetTensorImpl(), meta);
    return meta;
  }

  c10::IValue object(const c10::intrusive_ptr<c10::ivalue::Object>& obj) {
    auto found = m_objects.find(obj.get());
    if (found != m_objects.end()) return found->second;  // a module registered twice stays one object
    const std::size_t slots = obj->slots().size();
    auto twin = c10::ivalue::Object::create(c10::StrongTypePtr(obj->compilation_unit(), obj->type()), slots);
    m_objects.emplace(obj.get(), twin);
    for (std::size_t i = 0; i < slots; ++i) twin->setSlot(i, copy(obj->getSlot(i)));
    return twin;
  }

  std::unordered_map<const c10::TensorImpl*, at::Tensor> m_tensors;
  std::unordered_map<const c10::ivalue::Object*, c10::intrusive_ptr<c10::ivalue::Object>> m_objects;
};

}  // namespace

namespace {

// Every `cpu` device constant of `block` (and the blocks nested in it) becomes `meta`.
void retarget(torch::jit::Block* block, torch::jit::Graph& graph) {
  for (auto it = block->nodes().begin(); it != block->nodes().end();) {
    torch::jit::Node* n = *it++;
    for (torch::jit::Block* inner : n->blocks()) retarget(inner, graph);
    if (n->kind() != c10::prim::Constant || n->outputs().size() != 1 ||
        n->output()->type()->kind() != c10::TypeKind::DeviceObjType)
      continue;
    const auto value = torch::jit::toIValue(n->output());
    if (!value || !value->isDevice() || !value->toDevice().is_cpu()) continue;
    torch::jit::WithInsertPoint here(n);
    n->output()->replaceAllUsesWith(graph.insertConstant(c10::Device(c10::kMeta)));
    n->destroy();
  }
}

void retarget_methods(const torch::jit::Module& module) {
  for (const auto& method : module.get_methods()) {
    auto graph = method.graph();
    retarget(graph->block(), *graph);
  }
  for (const auto& child : module.children()) retarget_methods(child);
}

}  // namespace

torch::jit::Module meta_twin(const torch::jit::Module& module) {
  MetaCopier copier;
  torch::jit::Module twin(copier.copy(module._ivalue()).toObject());
  // A traced model fixes the devices it was traced on (`x.to(other.device)`, `torch.arange(n, device=...)`
  // become `cpu` constants): on meta inputs those would make cpu tensors that meet meta ones. The twin gets
  // methods of its own (a clone of its classes, sharing its meta tensors) in which `cpu` reads `meta`; the
  // model's own methods are not touched.
  torch::jit::Module own = twin.clone(/*inplace=*/true);
  retarget_methods(own);
  return own;
}

}  // namespace flopscope::model
