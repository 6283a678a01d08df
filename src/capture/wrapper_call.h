#pragma once
// Which RecordFunction records are an operator called on torch.vmap's batched tensors, whose sizes are not the
// ones the work runs on.
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

/// Under torch.vmap (and torch.func's transforms built on it) the model calls each op on BatchedTensors: wrappers
/// whose sizes are one example's. The op is recorded with those sizes, then again as functorch passes it on, and
/// the batching rule then calls the op (or a few) on the physical tensors, the whole batch: those inner calls are
/// the work, as torch.jit.trace and FlopCounterMode see it. So a call with a batched argument is left out (as a
/// label is: the capture and the op observers both, so that their sequences stay aligned) and the calls inside
/// it stand for it. Inside torch.func.grad (or jvp) under vmap, per-sample gradients, the model's tensors are the
/// gradient transform's wrappers around batched ones: looked through. Needs the callback to ask for inputs.
inline bool is_batched_call(const at::RecordFunction& fn) {
  // Operators only: autograd's records of a node (BACKWARD_FUNCTION, "autograd::engine::...") stay, to be placed.
  if (fn.scope() != at::RecordScope::FUNCTION || std::strncmp(fn.name(), "autograd::", 10) == 0 ||
      std::strncmp(fn.name(), "torch::autograd::", 17) == 0)
    return false;
  static const c10::DispatchKeySet kBatched =
      c10::DispatchKeySet({c10::DispatchKey::FuncTorchBatched, c10::DispatchKey::BatchedNestedTensor});
  const auto batched = [](const c10::IValue& v) {
    if (!v.isTensor() || !v.toTensor().defined()) return false;
    const at::Tensor* t = &v.toTensor();
    while (t->key_set().has(c10::DispatchKey::FuncTorchGradWrapper)) {
      const auto* wrapper = at::functorch::maybeGetTensorWrapper(*t);
      if (wrapper == nullptr) break;
      t = &wrapper->value();
    }
    return t->key_set().has_any(kBatched);
  };
  for (const auto& v : own_values(fn.inputs(), fn.num_inputs())) {
    if (batched(v)) return true;
    if (v.isList()) {  // Tensor[] (cat, stack) and Tensor?[] (index)
      for (const c10::IValue& e : v.toListRef())
        if (batched(e)) return true;
    }
  }
  return false;
}

}  // namespace flopscope::capture
