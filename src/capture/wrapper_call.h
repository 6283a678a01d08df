#pragma once
// Which RecordFunction records are an operator called on a wrapper tensor whose sizes are not the ones the work
// runs on: torch.vmap's batched tensors, and jagged nested tensors.
#include <ATen/functorch/TensorWrapper.h>
#include <ATen/record_function.h>
#include <c10/core/DispatchKeySet.h>

#include <cstddef>
#include <cstring>

namespace flopscope::capture {

/// Boxed calls (the TorchScript interpreter, functorch's redispatch) pass the whole stack: the op's own values
/// are the last n.
inline c10::ArrayRef<const c10::IValue> own_values(c10::ArrayRef<const c10::IValue> values, std::size_t n) {
  return values.size() > n ? values.slice(values.size() - n) : values;
}

/// Whether `t` is a wrapper whose sizes are not the work's:
/// - under torch.vmap (and torch.func's transforms built on it) the model calls each op on BatchedTensors, whose
///   sizes are one example's; the batching rule then calls the op (or a few) on the physical tensors, the whole
///   batch. Inside torch.func.grad (or jvp) under vmap, per-sample gradients, the tensors are the gradient
///   transform's wrappers around batched ones: looked through.
/// - a jagged nested tensor (torch.nested, layout=torch.jagged) is a Python tensor subclass whose sizes hold a
///   symbol for the ragged dimension: no shape a formula can read. Its __torch_dispatch__ calls the op on the
///   packed values of all its sequences.
inline bool is_wrapper(const at::Tensor& tensor) {
  static const c10::DispatchKeySet kBatched =
      c10::DispatchKeySet({c10::DispatchKey::FuncTorchBatched, c10::DispatchKey::BatchedNestedTensor});
  static const c10::DispatchKeySet kAnyWrapper = kBatched | c10::DispatchKeySet({
      c10::DispatchKey::FuncTorchGradWrapper, c10::DispatchKey::Python});
  // One test rejects a plain tensor: the capture asks this of every argument of every op.
  if (!tensor.defined() || !tensor.key_set().has_any(kAnyWrapper)) return false;
  const at::Tensor* t = &tensor;
  while (t->key_set().has(c10::DispatchKey::FuncTorchGradWrapper)) {
    const auto* wrapper = at::functorch::maybeGetTensorWrapper(*t);
    if (wrapper == nullptr) break;
    t = &wrapper->value();
  }
  if (t->key_set().has_any(kBatched)) return true;
  return t->key_set().has(c10::DispatchKey::Python) && t->unsafeGetTensorImpl()->has_symbolic_sizes_strides();
}

/// A call with a wrapper among its arguments is recorded with the wrapper's sizes, and the calls inside it, on
/// the tensors the wrapper holds, are the work, as torch.jit.trace and FlopCounterMode see it. So it is left out
/// (as a label is: the capture and the op observers both, so that their sequences stay aligned) and the calls
/// inside it stand for it. Needs the callback to ask for inputs.
inline bool is_wrapper_call(const at::RecordFunction& fn) {
  bool wrapped = false;
  for (const auto& v : own_values(fn.inputs(), fn.num_inputs())) {
    if (v.isTensor()) {
      wrapped = is_wrapper(v.toTensor());
    } else if (v.isTensorList() || v.isOptionalTensorList()) {  // Tensor[] (cat, stack), Tensor?[] (index)
      for (const c10::IValue& e : v.toListRef()) wrapped = wrapped || (e.isTensor() && is_wrapper(e.toTensor()));
    }
    if (wrapped) break;
  }
  // Operators only: autograd's records of a node (BACKWARD_FUNCTION, "autograd::engine::...") stay, to be placed.
  return wrapped && fn.scope() == at::RecordScope::FUNCTION && std::strncmp(fn.name(), "autograd::", 10) != 0 &&
         std::strncmp(fn.name(), "torch::autograd::", 17) != 0;
}

}  // namespace flopscope::capture
