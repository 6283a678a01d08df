#pragma once
// Watching this thread's ops without recording them: how the GPU timing pass sees the dispatcher. The capture
// stage owns every RecordFunction registration (capture.h); a pass that needs to know when ops start and end
// implements OpObserver and holds an ObserveOps while its forwards run. No ATen header here.
#include <cstdint>
#include <vector>

namespace flopscope::capture {

class OpObserver {
 public:
  virtual ~OpObserver() = default;
  /// An op named `name` (e.g. "aten::addmm") starts on this thread; nested ops start inside it. `name` stays
  /// readable for the call only.
  virtual void op_start(const char* name) = 0;
  /// The innermost op of the calling thread that started while observing and has not ended, ends. An op that
  /// started before the observer was installed is never reported ending.
  virtual void op_end() = 0;
};

/// While it lives, `observer` is told about every op (RecordFunction scope FUNCTION) run on this thread but those the
/// capture leaves out too: labels (region_label.h), calls on wrapper tensors (wrapper_call.h) and torch tracing a
/// function inside the forward (torch_tracing.h).
/// Removed on every path; one per thread at a time (a second one on the same thread replaces the first
/// until it ends). `with_backward` (a training step, as the capture records one): autograd's nodes too, and the
/// ops its device threads run for this thread's backward, each thread's nested in its own; the observer is
/// called by one thread at a time, in the order the ops ran.
class ObserveOps {
 public:
  /// `read_inputs` false (the capture's trace of the same forward left out no wrapper call: Trace::
  /// without_wrapper_calls) spares boxing every op's inputs, which only finding wrapper calls needs.
  explicit ObserveOps(OpObserver& observer, bool with_backward = false, bool read_inputs = true);
  ~ObserveOps();
  ObserveOps(const ObserveOps&) = delete;
  ObserveOps& operator=(const ObserveOps&) = delete;

  struct State;  // defined in op_observer.cpp

 private:
  State* m_state;
  State* m_previous;
  std::uint64_t m_handle;  // at::CallbackHandle
};

}  // namespace flopscope::capture
