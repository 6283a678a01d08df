// CUDA device discovery through the driver API. libcuda is opened with dlopen rather than linked, so every
// flopscope binary starts on a machine with no driver and says why there is no device.
#include <cuda.h>

#include <string>

#include "driver_library.h"
#include "flopscope/device.h"

namespace flopscope {
namespace {

CudaStatus probe_now() {
  CudaStatus status;
  status.built_with_toolkit = true;
  const cuda::DriverLibrary& d = cuda::driver_library();
  if (!d.reason.empty()) {
    status.reason = d.reason;
    return status;
  }
  d.driver_version(&status.driver_version);
  if (CUresult r = d.init(0); r != CUDA_SUCCESS) {
    status.reason = "the CUDA driver did not initialise (" + d.describe(r) + ")";
    return status;
  }
  int count = 0;
  if (CUresult r = d.device_count(&count); r != CUDA_SUCCESS || count == 0) {
    status.reason = r != CUDA_SUCCESS ? "cannot count devices (" + d.describe(r) + ")" : "the driver sees no device";
    return status;
  }
  for (int i = 0; i < count; ++i) {
    CUdevice dev = 0;
    if (d.device_get(&dev, i) != CUDA_SUCCESS) continue;
    CudaDevice info;
    info.index = i;
    char name[256] = {};
    d.device_name(name, sizeof name, dev);
    info.name = name;
    d.attribute(&info.sm_major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
    d.attribute(&info.sm_minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
    d.attribute(&info.multiprocessors, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev);
    // Clocks and bus width feed the peak table (cuda/peak_table.h); a failed query leaves 0 = unknown.
    if (d.attribute(&info.sm_clock_khz, CU_DEVICE_ATTRIBUTE_CLOCK_RATE, dev) != CUDA_SUCCESS) info.sm_clock_khz = 0;
    if (d.attribute(&info.memory_clock_khz, CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, dev) != CUDA_SUCCESS)
      info.memory_clock_khz = 0;
    if (d.attribute(&info.memory_bus_width_bits, CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, dev) != CUDA_SUCCESS)
      info.memory_bus_width_bits = 0;
    size_t bytes = 0;
    d.total_mem(&bytes, dev);
    info.total_memory = static_cast<long long>(bytes);
    status.devices.push_back(std::move(info));
  }
  status.available = !status.devices.empty();
  if (!status.available) status.reason = "no device could be opened";
  return status;
}

}  // namespace

// The driver's answer does not change while the process lives (ATen, too, decides once whether CUDA exists), so
// it is asked once: every part of an analysis, and every analysis, reads the same status.
CudaStatus probe_cuda() {
  static const CudaStatus status = probe_now();
  return status;
}

}  // namespace flopscope
