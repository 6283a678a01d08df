// Built without the CUDA toolkit: the counter pass reports why it cannot run.
#include "gpu/cuda_backend.h"

namespace flopscope::cuda {

gpu::CounterReport run_range_profiler(const CudaStatus&, const std::function<void(const std::function<void()>&)>&,
                                      const gpu::RangeProfilerOptions&) {
  gpu::CounterReport report;
  report.skipped_reason = "hardware counters unavailable: flopscope was built without the CUDA toolkit (CUPTI)";
  return report;
}

}  // namespace flopscope::cuda
