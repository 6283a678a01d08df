#pragma once
/// The counter pass on a device (cuda/range_profiler.cpp): CUPTI's range profiler with one auto range per
/// kernel and kernel replay, one forward per metric configuration. Plain types only, so LibTorch code can call
/// it. It cannot run on a machine without a GPU; the arithmetic after it is tested on the CPU
/// (src/gpu/counter_math.h). Built without the CUDA toolkit it always reports why it did not run.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "flopscope/counters.h"
#include "flopscope/device.h"

namespace flopscope::gpu {

struct RangeProfilerOptions {
  /// Tensor dtypes to count ("bf16", "tf32", ...: tensor_dtypes_for on the model's dtypes).
  std::vector<std::string> tensor_dtypes;
  /// Ranges per counter-data image; more kernels than this are collected in chunks at checkpoints.
  std::size_t ranges_per_chunk = 1024;
};

/// Runs the forward once per configuration with the counters on. `forward(checkpoint)` must launch the same
/// kernels in the same order each time; it may call `checkpoint()` between ops (e.g. from an op-exit
/// callback) so that long forwards are collected in chunks. Kernels are serialised and replayed: take no
/// durations from this pass. A LibTorch CUDA op must have run first, so that a context is current.
///
/// Never throws for an unusable environment: the report's `ran` is false and `skipped_reason` says why
/// (no device per `cuda`, CUPTI missing, no permission, another profiler, sandbox, unsupported chip, metric
/// missing). Exceptions from `forward` propagate after the profiler is shut down.
/// Fills ran, skipped_reason, chip, configs, passes and kernels; aggregate_counters does the rest.
CounterReport run_range_profiler(const CudaStatus& cuda,
                                 const std::function<void(const std::function<void()>& checkpoint)>& forward,
                                 const RangeProfilerOptions& options);

}  // namespace flopscope::gpu
