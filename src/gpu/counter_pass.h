#pragma once
// The counter pass behind analyze(..., gpu.counters): CUPTI's range profiler over the same forward, joined
// to the timing pass's kernels and so to ops and modules.
#include <functional>
#include <vector>

#include "flopscope/complexity.h"
#include "gpu/counter_math.h"
#include "gpu/statistics.h"

namespace flopscope::gpu {

/// Fills info.analysis.counters from a range-profiled run of `forward`, joined to `recording`'s first forward
/// through `join`. Never throws for an unusable profiler: the reason goes into counters.skipped_reason.
void run_counter_pass(ComplexityInfo& info, const Trace& trace, const std::vector<std::string>& precision,
                      const gpu::TimingRecording& recording, const gpu::GpuJoin& join,
                      const std::function<void()>& forward, const Options& options);

/// Runs `forward`, calling `checkpoint` each time an op ends that is outermost on its thread (where the range
/// profiler may restart its collection: src/gpu/range_chunks.h). With `step`, a training step's ops on autograd's
/// device thread count too, each thread's nesting its own: a CUDA backward runs there, and its nodes are where a
/// long backward's collection restarts.
void run_with_checkpoints(const std::function<void()>& forward, const std::function<void()>& checkpoint, bool step);

/// The KernelOwner of each kernel of recorded forward `forward`, in launch order, and those kernels.
void kernels_of_forward(const Trace& trace, const gpu::TimingRecording& recording, const gpu::GpuJoin& join,
                        std::uint32_t forward, std::vector<gpu::KernelRecord>& kernels,
                        std::vector<gpu::KernelOwner>& owners);

}  // namespace flopscope::gpu
