// The observers' RecordFunction callback: see op_observer.h.
#include "capture/op_observer.h"

#include <ATen/record_function.h>

#include "capture/device_thread_slot.h"
#include "capture/region_label.h"
#include "capture/torch_tracing.h"
#include "capture/wrapper_call.h"

#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace flopscope::capture {

struct ObserveOps::State {
  OpObserver* observer = nullptr;
  // Handles of the ops each thread started while observing and has not ended, innermost last: an end callback
  // is passed on only for the op on top, so ops that began before the callback was added are never ended twice.
  struct Thread {
    std::vector<at::RecordFunctionHandle> open;
    TracingSpan tracing;  // torch's tracing, left out whole (torch_tracing.h)
  };
  Thread mine;  // the observing thread's
  std::thread::id owner = std::this_thread::get_id();
  std::unordered_map<std::thread::id, Thread> others;
  bool shared = false;  // with_backward: device threads call in too, one at a time
  std::mutex lock;
  std::optional<c10::DebugInfoGuard> slot;

  Thread& here() {
    const auto id = std::this_thread::get_id();
    return id == owner ? mine : others[id];
  }
};

namespace {

thread_local ObserveOps::State* t_observing = nullptr;

// A training step's CUDA backward runs on autograd's device thread: found there through the slot
// (capture/device_thread_slot.h), as the capture's session is.
ObserveOps::State* observing_here() { return state_here(t_observing, kObserverSlot); }

void started(ObserveOps::State* s, const at::RecordFunction& fn) {
  // As the capture leaves them out: the two sequences stay aligned. The GPU passes run a forward that computes.
  ObserveOps::State::Thread& t = s->here();
  if (t.tracing.inside() || is_region_label(fn)) return;
  if (t.tracing.starts(fn, ForwardTensors::real) != Tracing::none || is_wrapper_call(fn)) return;
  t.open.push_back(fn.handle());
  s->observer->op_start(fn.name());
}

void ended(ObserveOps::State* s, const at::RecordFunction& fn) {
  ObserveOps::State::Thread& t = s->here();
  if (t.tracing.ends(fn)) return;
  auto& open = t.open;
  if (open.empty() || open.back() != fn.handle()) return;
  open.pop_back();
  s->observer->op_end();
}

std::unique_ptr<at::ObserverContext> observe_start(const at::RecordFunction& fn) {
  ObserveOps::State* s = observing_here();
  if (s == nullptr) return nullptr;
  if (!s->shared) {
    started(s, fn);
  } else {
    std::lock_guard<std::mutex> hold(s->lock);
    started(s, fn);
  }
  return nullptr;
}

void observe_end(const at::RecordFunction& fn, at::ObserverContext* /*unused*/) {
  ObserveOps::State* s = observing_here();
  if (s == nullptr) return;
  if (!s->shared) {
    ended(s, fn);
  } else {
    std::lock_guard<std::mutex> hold(s->lock);
    ended(s, fn);
  }
}

}  // namespace

ObserveOps::ObserveOps(OpObserver& observer, bool with_backward, bool read_inputs)
    : m_state(new State), m_previous(t_observing) {
  m_state->observer = &observer;
  m_state->mine.open.reserve(64);
  t_observing = m_state;
  std::unordered_set<at::RecordScope, std::hash<at::RecordScope>> scopes{at::RecordScope::FUNCTION};
  if (with_backward) {
    scopes.insert(at::RecordScope::BACKWARD_FUNCTION);  // as the capture records a step (capture.h)
    m_state->shared = true;
    push_device_thread_slot(m_state->slot, kObserverSlot, m_state);
  }
  // Inputs: only to tell a call on wrapper tensors (is_wrapper_call), as the capture does; without them no call
  // looks like one.
  m_handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback(observe_start, observe_end).needsInputs(read_inputs).needsIds(true).scopes(scopes));
}

ObserveOps::~ObserveOps() {
  at::removeCallback(m_handle);
  t_observing = m_previous;
  delete m_state;
}

}  // namespace flopscope::capture
