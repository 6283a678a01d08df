#pragma once
/// The counter pass on a device (cuda/range_profiler.cpp, entered through gpu/cuda_backend.h): CUPTI's range profiler with one auto range per
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

}  // namespace flopscope::gpu
