#include "api/train_step.h"

#include <torch/csrc/autograd/autograd.h>

#include <unordered_set>

#include "api/model_source.h"
#include "capture/capture.h"
#include "flopscope/errors.h"

namespace flopscope::api {
namespace {

void collect(const c10::IValue& v, std::vector<at::Tensor>& out) {
  if (v.isTensor()) {
    out.push_back(v.toTensor());
  } else if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements()) collect(e, out);
  } else if (v.isList()) {
    for (const auto& e : v.toListRef()) collect(e, out);
  } else if (v.isGenericDict()) {
    for (const auto& kv : v.toGenericDict()) collect(kv.value(), out);
  }
}

bool differentiable(const at::Tensor& t) { return t.defined() && t.is_floating_point() && t.requires_grad(); }

}  // namespace

std::vector<at::Tensor> output_tensors(const c10::IValue& output) {
  std::vector<at::Tensor> out;
  collect(output, out);
  return out;
}

void backward_of(const std::vector<at::Tensor>& outputs) {
  capture::forward_ended(outputs);  // what the forward still holds now is what the backward will read
  at::Tensor loss;
  for (const auto& t : outputs)
    if (differentiable(t) && t.dim() == 0) {
      loss = t;  // the model's own loss
      break;
    }
  if (!loss.defined())
    for (const auto& t : outputs)
      if (differentiable(t)) loss = loss.defined() ? loss + t.sum() : t.sum();
  if (!loss.defined())
    throw InvalidInput("the training step has nothing to differentiate: no floating-point output of the forward "
                       "requires grad (every parameter frozen, or the output detached)");
  torch::autograd::backward({loss});
}

Analysis::SavedActivations saved_activations(const Trace& captured) {
  Analysis::SavedActivations saved;
  saved.measured = captured.saved.measured;
  saved.why_not = captured.saved.why_not;
  if (!saved.measured) return saved;
  if (captured.saved.outside_ops != 0) saved.bytes[""] += captured.saved.outside_ops;
  for (const auto& op : captured.ops)
    if (op.saved_bytes != 0 && !op.backward) saved.bytes[op.module] += op.saved_bytes;
  return saved;
}

void ModelSource::record_step_params(const std::vector<std::pair<std::string, at::Tensor>>& named) {
  m_step_params.clear();
  std::unordered_set<const void*> seen;  // a tied parameter once, under its first name
  for (const auto& [name, p] : named) {
    if (!p.defined() || !seen.insert(p.unsafeGetTensorImpl()).second) continue;
    m_step_params.push_back({name, p.numel(), static_cast<std::int64_t>(p.element_size()), p.grad().defined()});
  }
}

}  // namespace flopscope::api
