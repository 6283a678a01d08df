#pragma once
// The timing pass (torch side): warm-up forwards, then recorded forwards under an activity tracer, with the
// external correlation id of every op pushed so each kernel can be joined to the op that launched it.
#include <functional>
#include <string>

#include <c10/core/Device.h>

#include "flopscope/gpu.h"
#include "flopscope/op_record.h"

namespace flopscope::gpu {

class ActivityTracer;
class RangeNester;

struct TimingOptions {
  int warmup = 3;    ///< forwards run first and not recorded: cuDNN autotuning, lazy module loading, caches
  int forwards = 10; ///< recorded forwards
  /// Each "forward" is a training step (forward, loss, backward): autograd's nodes are observed as the capture
  /// recorded them, on autograd's device threads too.
  bool train_step = false;
};

/// Runs `forward` options.warmup + options.forwards times on `device`. The recorded forwards run under
/// `tracer`, pushing external_id(forward, op) for op k of each forward, where k indexes `trace` (the analytic
/// capture of the same forward): an op whose name differs from trace.ops[k] (control flow that changed
/// between forwards) gets an id no op matches, so its kernels show as unattributed instead of misattributed.
/// `ranges` (may be null) receives module and op ranges (NVTX), nested by each op's module path. The device is synchronised before returning.
TimingRecording run_timing_pass(const Trace& trace, ActivityTracer& tracer, RangeNester* ranges, c10::Device device,
                                const std::function<void()>& forward, const TimingOptions& options);

/// Median forward time in ms of `forward` alone, timed with CUDA events (the same way as the timing pass),
/// for comparing the pass's own overhead.
double plain_forward_ms(c10::Device device, const std::function<void()>& forward, int warmup, int runs);

}  // namespace flopscope::gpu
