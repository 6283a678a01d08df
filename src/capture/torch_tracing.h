#pragma once
// Which RecordFunction records are torch tracing a function inside a forward, rather than the model's work. An
// eager torch.cond, while_loop, scan or map runs its functions through torch.compile (eager backend), which traces
// them the first time, and its autograd function traces them again with make_fx on fake tensors each call; none of
// that computes anything. Those ops run while make_fx's proxy mode or a FakeTensorMode is active, and what runs
// inside such an op (a fake tensor's meta kernels, run with the mode set aside; a constant it computes for real) is
// part of the tracing too. In a forward that computes, an op on meta tensors is also tracing (the same meta kernels,
// reached without an op under a mode around them). The capture and the op observers both leave them out, so that
// their op sequences stay the same (the GPU timing pass joins them by position).
#include <optional>

#include <ATen/record_function.h>
#include <c10/core/impl/TorchDispatchModeTLS.h>

#include "capture/forward_tensors.h"
#include "capture/wrapper_call.h"

namespace flopscope::capture {

enum class Tracing {
  none,
  by_mode,    // make_fx's proxy mode, or a fake mode the forward does not run under, is active: this op and every
              // op inside it are tracing
  by_inputs,  // an op on meta tensors in a forward that computes (needs the callback to ask for inputs)
};

/// Whether `fn` is torch tracing (see above), for a forward on `forward` tensors; the ops inside one that is tracing
/// by_mode are too (TracingSpan, below). The first test is one thread-local read.
inline Tracing torch_tracing(const at::RecordFunction& fn, ForwardTensors forward) {
  using c10::impl::TorchDispatchModeKey;
  using c10::impl::TorchDispatchModeTLS;
  if (TorchDispatchModeTLS::any_modes_set() &&
      (TorchDispatchModeTLS::get_mode(TorchDispatchModeKey::PROXY).has_value() ||
       (forward != ForwardTensors::fake && TorchDispatchModeTLS::get_mode(TorchDispatchModeKey::FAKE).has_value())))
    return Tracing::by_mode;
  if (forward != ForwardTensors::real) return Tracing::none;
  for (const auto& v : own_values(fn.inputs(), fn.num_inputs()))
    if (v.isTensor()) return v.toTensor().is_meta() ? Tracing::by_inputs : Tracing::none;  // the first tensor says
  return Tracing::none;
}

/// One thread's op that torch's tracing runs under a mode, while it has not ended: every op inside it is tracing too,
/// whatever its mode or tensors. The capture and the op observers each keep one per thread and ask it the same way,
/// before they look at wrapper calls, so that their op sequences stay the same.
class TracingSpan {
 public:
  /// Whether an op starting now is inside the span.
  bool inside() const { return m_op.has_value(); }
  /// For an op outside the span: whether it is torch's tracing (by_mode opens the span).
  Tracing starts(const at::RecordFunction& fn, ForwardTensors forward) {
    const Tracing tracing = torch_tracing(fn, forward);
    if (tracing == Tracing::by_mode) m_op = fn.handle();
    return tracing;
  }
  /// Whether an op's end is the span's: its own op's, which closes it, or an op's inside it.
  bool ends(const at::RecordFunction& fn) {
    if (!m_op) return false;
    if (*m_op == fn.handle()) m_op.reset();
    return true;
  }

 private:
  std::optional<at::RecordFunctionHandle> m_op;
};

}  // namespace flopscope::capture
