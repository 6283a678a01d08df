#pragma once
// Which RecordFunction records are torch tracing a function inside a forward, rather than the model's work. An
// eager torch.cond, while_loop, scan or map runs its functions through torch.compile (eager backend), which traces
// them the first time, and its autograd function traces them again with make_fx on fake tensors each call; none of
// that computes anything. Those ops run while make_fx's proxy mode or a FakeTensorMode is active, and what runs
// inside such an op (a fake tensor's meta kernels, run with the mode set aside; a constant it computes for real) is
// part of the tracing too. In a forward that computes, an op on meta tensors is also tracing (the same meta kernels,
// reached without an op under a mode around them). The capture and the op observers both leave them out, so that
// their op sequences stay the same (the GPU timing pass joins them by position).
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

/// Whether `fn` is torch tracing (see above), for a forward on `forward` tensors. An op inside one that is tracing
/// by_mode is the caller's to leave out. The first test is one thread-local read.
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

}  // namespace flopscope::capture
