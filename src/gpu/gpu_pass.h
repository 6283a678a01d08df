#pragma once
// The GPU pass behind analyze() on a CUDA device: timing pass, join, statistics, optional Chrome trace.
#include <functional>

#include <c10/core/Device.h>

#include "flopscope/complexity.h"

namespace flopscope::gpu {

/// Runs the timing pass for the already counted `info` and fills info.analysis.gpu (and analysis.timeline
/// when a Chrome trace is asked for). Never throws for an unusable profiler: the reason goes into gpu.skipped_reason. A forward
/// that fails is rethrown as ForwardFailed.
/// `ops` is the run's op set (the shared registry's), which counted `trace`.
void run_gpu_pass(ComplexityInfo& info, const Trace& trace, const OpSet& ops, c10::Device device,
                  const std::function<void()>& forward, const Options& options);

}  // namespace flopscope::gpu
