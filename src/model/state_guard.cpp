// The model is never changed by an analysis: batch-norm statistics updated by a training-mode forward, and
// anything else the forward writes into parameters or buffers, is put back bit for bit.
#include <ATen/ops/empty_like.h>
#include <c10/core/GradMode.h>
#include <c10/util/Exception.h>

#include "model/model.h"

namespace flopscope::model {

void StateGuard::save(const std::vector<at::Tensor>& tensors) {
  c10::NoGradGuard no_grad;
  for (const auto& t : tensors) {
    if (!t.defined()) continue;
    at::Tensor copy = at::empty_like(t);
    copy.copy_(t);
    m_tensors.emplace_back(t, std::move(copy));
  }
}

StateGuard::StateGuard(const torch::jit::Module& module) {
  std::vector<at::Tensor> tensors;
  for (const auto& p : module.parameters()) tensors.push_back(p);
  for (const auto& b : module.buffers()) tensors.push_back(b);
  save(tensors);
  for (auto m : module.modules()) m_training.emplace_back([m](bool on) mutable { m.train(on); }, m.is_training());
}

StateGuard::StateGuard(torch::nn::Module& module) {
  save(module.parameters());
  save(module.buffers());
  for (const auto& m : module.modules()) m_training.emplace_back([m](bool on) { m->train(on); }, m->is_training());
}

StateGuard::~StateGuard() {
  try {
    c10::NoGradGuard no_grad;
    for (auto& [live, copy] : m_tensors) live.copy_(copy);
    // train(on) sets a whole subtree; restoring in pre-order lets each module's own flag win.
    for (auto& [set_training, flag] : m_training) set_training(flag);
  } catch (const std::exception&) {
    // A destructor must not throw; restoring into tensors we copied from cannot fail in practice.
  }
}

}  // namespace flopscope::model
