#pragma once
/// `flopscope peak`: a CUDA device's peaks from the datasheet table beside the ones measured on it with large
/// matrix products (and a large copy for DRAM).
#include <string>

#include "flopscope/device.h"
#include "flopscope/gpu.h"

namespace flopscope {

struct DevicePeaks {
  CudaDevice device;  ///< as the driver describes it
  gpu::PeakSet table;
  gpu::PeakSet measured;
};

/// Measures the peaks of `device` ("cuda" or "cuda:N"). Throws InvalidInput for another device or index,
/// CudaUnavailable without a usable CUDA device.
DevicePeaks measure_device_peaks(const std::string& device);

/// The peaks as a table (per precision class: table, measured, measured / table; then DRAM) or, with `json`,
/// as a JSON object {device, table, measured}.
std::string render_peaks(const DevicePeaks& peaks, bool json);

}  // namespace flopscope
