// Shape-only analysis runs the forward on a twin of the model whose tensors live on the meta device: same
// classes, same methods, same attributes, same shapes, dtypes and strides, but no data. The user's model is
// only read. Its parameters are never copied, so the twin costs a few allocations per tensor, not the model's
// size in memory traffic.
#include <ATen/ops/empty_strided.h>
#include <ATen/core/ivalue.h>

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

torch::jit::Module meta_twin(const torch::jit::Module& module) {
  MetaCopier copier;
  return torch::jit::Module(copier.copy(module._ivalue()).toObject());
}

}  // namespace flopscope::model
