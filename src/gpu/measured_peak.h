#pragma once
// Peaks measured on the device itself: large matrix products per precision class and a large device copy,
// timed with CUDA events. What a tuned library reaches is often a fairer 100% than the datasheet.
#include <c10/core/Device.h>

#include "flopscope/gpu.h"

namespace flopscope::gpu {

/// Measures every precision class the device and LibTorch support (fp64_tc, fp32, tf32_tc, fp16_tc, bf16_tc,
/// int8_tc, fp8_tc) and DRAM bandwidth. A class that cannot run here (fp8 before sm_89) is left out.
/// LibTorch's TF32 settings are restored afterwards.
PeakSet measure_peaks(c10::Device device);

}  // namespace flopscope::gpu
