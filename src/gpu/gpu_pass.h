#pragma once
// The GPU pass behind analyze() on a CUDA device: timing pass, join, statistics, optional Chrome trace.
#include <functional>

#include <c10/core/Device.h>

#include "flopscope/complexity.h"

namespace flopscope::gpu {

/// Runs the timing pass for the already counted `info` and fills info.analysis.gpu (and info.chrome_trace
/// when asked). Never throws for an unusable profiler: the reason goes into gpu.skipped_reason. A forward
/// that fails is rethrown as ForwardFailed.
void run_gpu_pass(ComplexityInfo& info, const Trace& trace, c10::Device device, const std::function<void()>& forward,
                  const Options& options);

}  // namespace flopscope::gpu
