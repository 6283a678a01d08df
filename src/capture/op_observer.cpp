// The observers' RecordFunction callback: see op_observer.h.
#include "capture/op_observer.h"

#include <ATen/record_function.h>

#include <memory>

namespace flopscope::capture {

struct ObserveOps::State {
  OpObserver* observer = nullptr;
  // Handles of the ops started while observing and not ended, innermost last: an end callback is passed on
  // only for the op on top, so ops that began before the callback was added are never ended twice.
  std::vector<at::RecordFunctionHandle> open;
};

namespace {

thread_local ObserveOps::State* t_observing = nullptr;

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction& fn) {
  ObserveOps::State* s = t_observing;
  if (s == nullptr) return nullptr;
  s->open.push_back(fn.handle());
  s->observer->op_start(fn.name());
  return nullptr;
}

void on_end(const at::RecordFunction& fn, at::ObserverContext* /*unused*/) {
  ObserveOps::State* s = t_observing;
  if (s == nullptr || s->open.empty() || s->open.back() != fn.handle()) return;
  s->open.pop_back();
  s->observer->op_end();
}

}  // namespace

ObserveOps::ObserveOps(OpObserver& observer) : m_state(new State), m_previous(t_observing) {
  m_state->observer = &observer;
  m_state->open.reserve(64);
  t_observing = m_state;
  m_handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback(on_start, on_end).needsIds(true).scopes({at::RecordScope::FUNCTION}));
}

ObserveOps::~ObserveOps() {
  at::removeCallback(m_handle);
  t_observing = m_previous;
  delete m_state;
}

}  // namespace flopscope::capture
