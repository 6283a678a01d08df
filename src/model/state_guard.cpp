// The model is never changed by an analysis: batch-norm statistics updated by a training-mode forward, and
// anything else the forward writes into parameters or buffers, is put back bit for bit.
#include <ATen/ops/empty_like.h>
#include <ATen/ops/from_blob.h>
#include <c10/core/GradMode.h>
#include <ATen/record_function.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cstring>

#include "model/model.h"

namespace flopscope::model {
namespace {

// A buffer whose bytes can be saved and put back with memcpy: a dense, contiguous array in CPU memory.
bool plain_cpu_array(const at::Tensor& t) {
  return t.has_storage() && t.device().is_cpu() && t.layout() == c10::kStrided && !t.is_quantized() &&
         t.is_contiguous() && t.data_ptr() != nullptr;
}

}  // namespace

void StateGuard::add(const at::Tensor& t, bool buffer) {
  if (!t.defined()) return;
  const std::size_t index = m_entries.size();
  Entry entry;
  entry.live = t;
  entry.buffer = buffer;
  m_entries.push_back(std::move(entry));
  if (!t.has_storage()) {
    save(m_entries.back());  // no storage to recognise it by when an op writes it
    return;
  }
  // Buffers are saved when the guard is made (save_buffers): ops write them without saying so in their
  // schema (batch norm's running statistics), so every use would have to be checked.
  if (!buffer) m_by_storage.emplace_back(t.storage().unsafeGetStorageImpl(), index);
}

void StateGuard::index_storages() { std::sort(m_by_storage.begin(), m_by_storage.end()); }

void StateGuard::save(Entry& e) {
  c10::NoGradGuard no_grad;
  at::RecordFunctionGuard not_recorded(false);  // flopscope's copy, not the model's ops (capture::StateWatch)
  at::Tensor copy = at::empty_like(e.live);
  e.copy = copy;
  copy.copy_(e.live);
  ++m_saved;
}

// Buffers are small next to the parameters, and there are many (three per batch norm): the plain CPU ones
// go by memcpy into one block of pages, the rest by copy. Done before the forward, none of it is allocated
// between the forward's activations (capture/pages.h).
void StateGuard::save_buffers() {
  std::size_t bytes = 0;
  for (const auto& e : m_entries)
    if (e.buffer && !e.saved() && plain_cpu_array(e.live)) bytes += (e.live.nbytes() + 63) / 64 * 64;
  m_pool = capture::PageBlock(bytes);
  std::size_t offset = 0;
  for (auto& e : m_entries) {
    if (!e.buffer || e.saved()) continue;
    if (!plain_cpu_array(e.live)) {
      save(e);
      continue;
    }
    std::memcpy(m_pool.data() + offset, e.live.data_ptr(), e.live.nbytes());
    e.pooled = offset;
    e.pooled_sizes = c10::DimVector(e.live.sizes());
    offset += (e.live.nbytes() + 63) / 64 * 64;
    ++m_saved;
  }
}

void StateGuard::before_write(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage()) return;
  const void* storage = t.storage().unsafeGetStorageImpl();
  auto it = std::lower_bound(m_by_storage.begin(), m_by_storage.end(), std::pair<const void*, std::size_t>(storage, 0));
  for (; it != m_by_storage.end() && it->first == storage; ++it) {
    Entry& e = m_entries[it->second];
    if (!e.saved()) save(e);
  }
}

void StateGuard::keep_gradients() {
  c10::NoGradGuard no_grad;
  at::RecordFunctionGuard not_recorded(false);  // flopscope's copies, not the model's ops
  m_keep_gradients = true;
  for (const auto& e : m_entries) {
    if (e.buffer || !e.live.defined()) continue;
    const at::Tensor& g = e.live.grad();
    m_gradients.emplace_back(e.live, g.defined() ? g.detach().clone() : at::Tensor());
  }
}

void StateGuard::save_all() {
  for (auto& e : m_entries)
    if (!e.saved()) save(e);
}

StateGuard::StateGuard(const torch::jit::Module& module) {
  // One walk over the module objects, slot by slot (what parameters(), buffers() and modules() each do
  // again, with a reference count taken per slot): this runs before every analysis.
  std::function<void(const c10::ivalue::Object&)> walk = [&](const c10::ivalue::Object& object) {
    const c10::ClassTypePtr type = object.type();
    if (auto slot = type->findAttributeSlot("training")) {  // pre-order, like modules()
      Training t;
      t.object = c10::intrusive_ptr<c10::ivalue::Object>::reclaim_copy(const_cast<c10::ivalue::Object*>(&object));
      t.slot = *slot;
      t.flag = t.get();
      m_training.push_back(std::move(t));
    }
    for (std::size_t i = 0; i < type->numAttributes(); ++i) {
      const c10::IValue& slot = object.getSlot(i);
      if (type->is_parameter(i) && slot.isTensor()) {
        add(slot.toTensor(), false);
      } else if (type->is_buffer(i) && type->getAttribute(i)->isSubtypeOf(*c10::TensorType::get())) {
        if (slot.isTensor()) add(slot.toTensor(), true);
      } else if (type->getAttribute(i)->is_module() && slot.isObject()) {
        walk(slot.toObjectRef());
      }
    }
  };
  walk(*module._ivalue());
  index_storages();
  save_buffers();
}

StateGuard::StateGuard(torch::nn::Module& module) {
  for (const auto& p : module.parameters()) add(p, false);
  for (const auto& b : module.buffers()) add(b, true);
  index_storages();
  save_buffers();
  for (const auto& m : module.modules()) {
    Training t;
    t.nn = m;
    t.flag = m->is_training();
    m_training.push_back(std::move(t));
  }
}

StateGuard::StateGuard(const std::vector<at::Tensor>& parameters, const std::vector<at::Tensor>& buffers) {
  m_entries.reserve(parameters.size() + buffers.size());
  m_by_storage.reserve(parameters.size());
  for (const auto& p : parameters) add(p, false);
  for (const auto& b : buffers) add(b, true);
  index_storages();
  save_buffers();
}

StateGuard::~StateGuard() {
  try {
    c10::NoGradGuard no_grad;
    for (auto& e : m_entries) {
      if (e.copy.defined()) {
        e.live.copy_(e.copy);
      } else if (e.pooled != kNotPooled) {
        void* saved = m_pool.data() + e.pooled;
        if (plain_cpu_array(e.live) && e.live.sizes() == c10::IntArrayRef(e.pooled_sizes)) {
          std::memcpy(e.live.data_ptr(), saved, e.live.nbytes());
        } else {  // the forward resized or re-strided it in place (rare): its shape comes back too
          e.live.resize_(e.pooled_sizes);
          e.live.copy_(at::from_blob(saved, e.pooled_sizes, e.live.options()));
        }
      }
    }
    // The gradients as they were: accumulated into in place, or created, by the backward.
    for (auto& [param, grad] : m_gradients) {
      if (!grad.defined()) {
        param.mutable_grad() = at::Tensor();
      } else if (param.grad().defined() && param.grad().sizes() == grad.sizes()) {
        param.mutable_grad().detach().copy_(grad);
      } else {
        param.mutable_grad() = grad;
      }
    }
    // Most forwards change no flag, and then nothing is set.
    for (const auto& t : m_training)
      if (t.get() != t.flag) t.set(t.flag);
  } catch (const std::exception&) {
    // A destructor must not throw; restoring into tensors we copied from cannot fail in practice.
  }
}

}  // namespace flopscope::model
