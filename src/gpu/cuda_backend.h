#pragma once
// What the GPU wing asks of the code that calls CUDA: the entry points of cuda/, all of them. They are declared
// here, in a header with no CUDA include (so it is not in cuda/), in cuda/'s namespace; cuda/ implements them
// with the toolkit, and src/gpu/stubs/ implements them where flopscope was built without it.
#include <functional>
#include <memory>

#include "flopscope/device.h"
#include "gpu/range_profiler.h"
#include "gpu/ranges.h"
#include "gpu/tracer.h"

namespace flopscope::cuda {

/// Asks the driver, every time it is called: flopscope::probe_cuda() asks once per process and keeps the answer.
CudaStatus probe_device();

/// The CUPTI activity tracer (cuda/activity_tracer.cpp). Never throws. Only one tracer may be open per process
/// (CUPTI's buffer callbacks are process-global).
gpu::TracerOrReason open_activity_tracer(const gpu::TracerOptions& options = {});

/// The NVTX3 sink: domain "flopscope", categories "module" and "aten", registered strings. Without a tool
/// attached (nsys sets NVTX_INJECTION64_PATH) each call costs a few ns. Built without the CUDA toolkit it
/// is a sink that does nothing. Never throws.
std::unique_ptr<gpu::RangeSink> make_nvtx_ranges();

/// True when an NVTX tool is attached to this process (NVTX_INJECTION64_PATH is set), so callers may skip the
/// ranges altogether otherwise.
bool nvtx_tool_attached();

/// Runs the forward once per configuration with the counters on. `forward(checkpoint)` must launch the same
/// kernels in the same order each time; it may call `checkpoint()` between ops (e.g. from an op-exit
/// callback) so that long forwards are collected in chunks. Kernels are serialised and replayed: take no
/// durations from this pass. A LibTorch CUDA op must have run first, so that a context is current.
///
/// Never throws for an unusable environment: the report's `ran` is false and `skipped_reason` says why
/// (no device per `cuda`, CUPTI missing, no permission, another profiler, sandbox, unsupported chip, metric
/// missing). Exceptions from `forward` propagate after the profiler is shut down.
/// Fills ran, skipped_reason, chip, configs, passes and kernels; aggregate_counters does the rest.
gpu::CounterReport run_range_profiler(const CudaStatus& cuda,
                                      const std::function<void(const std::function<void()>& checkpoint)>& forward,
                                      const gpu::RangeProfilerOptions& options);

}  // namespace flopscope::cuda
