// The model is never changed by an analysis: batch-norm statistics updated by a training-mode forward, and
// anything else the forward writes into parameters or buffers, is put back bit for bit.
#include <ATen/ops/empty_like.h>
#include <c10/core/GradMode.h>
#include <c10/util/Exception.h>

#include "model/model.h"

namespace flopscope::model {

void StateGuard::add(const at::Tensor& t, bool buffer) {
  if (!t.defined()) return;
  const std::size_t index = m_entries.size();
  m_entries.push_back({t, at::Tensor(), buffer});
  if (!t.has_storage()) {
    save(m_entries.back());  // no storage to recognise it by when an op writes it
    return;
  }
  // Buffers are saved now, before the forward: ops write them without saying so in their schema (batch
  // norm's running statistics), so every use would have to be checked. They are small next to the
  // parameters, and copying them here keeps the copies out of the forward's own allocations.
  if (buffer) {
    save(m_entries.back());
    return;
  }
  m_by_storage[t.storage().unsafeGetStorageImpl()].push_back(index);
}

void StateGuard::save(Entry& e) {
  c10::NoGradGuard no_grad;
  // Called from the capture's callback, which switches recording off around it: these ops are not the model's.
  at::Tensor copy = at::empty_like(e.live);
  e.copy = copy;
  copy.copy_(e.live);
  ++m_saved;
}

void StateGuard::before_write(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage()) return;
  auto it = m_by_storage.find(t.storage().unsafeGetStorageImpl());
  if (it == m_by_storage.end()) return;
  for (std::size_t index : it->second) {
    Entry& e = m_entries[index];
    if (!e.copy.defined()) save(e);
  }
}

void StateGuard::save_all() {
  for (auto& e : m_entries)
    if (!e.copy.defined()) save(e);
}

StateGuard::StateGuard(const torch::jit::Module& module) {
  for (const auto& p : module.parameters()) add(p, false);
  for (const auto& b : module.buffers()) add(b, true);
  for (auto m : module.modules()) m_training.emplace_back([m](bool on) mutable { m.train(on); }, m.is_training());
}

StateGuard::StateGuard(torch::nn::Module& module) {
  for (const auto& p : module.parameters()) add(p, false);
  for (const auto& b : module.buffers()) add(b, true);
  for (const auto& m : module.modules()) m_training.emplace_back([m](bool on) { m->train(on); }, m->is_training());
}

StateGuard::~StateGuard() {
  try {
    c10::NoGradGuard no_grad;
    for (auto& e : m_entries)
      if (e.copy.defined()) e.live.copy_(e.copy);
    // train(on) sets a whole subtree; restoring in pre-order lets each module's own flag win.
    for (auto& [set_training, flag] : m_training) set_training(flag);
  } catch (const std::exception&) {
    // A destructor must not throw; restoring into tensors we copied from cannot fail in practice.
  }
}

}  // namespace flopscope::model
