// CUDA device discovery through the driver API. libcuda is opened with dlopen rather than linked, so every
// flopscope binary starts on a machine with no driver and says why there is no device.
#include <cuda.h>

#include <string>

#include "call_check.h"
#include "driver_library.h"
#include "gpu/cuda_backend.h"

namespace flopscope::cuda {

CudaStatus probe_device() {
  CudaStatus status;
  status.built_with_toolkit = true;
  const DriverLibrary& d = driver_library();
  if (!d.reason.empty()) {
    status.reason = d.reason;
    return status;
  }
  int count = 0;
  try {
    FLOPSCOPE_CU_CALL(d, cuDriverGetVersion, &status.driver_version);
    FLOPSCOPE_CU_CALL(d, cuInit, 0);
    FLOPSCOPE_CU_CALL(d, cuDeviceGetCount, &count);
  } catch (const CallFailed& f) {
    status.reason = std::string(f.call == std::string("cuInit") ? "the CUDA driver did not initialise"
                                                                 : "the CUDA driver cannot be asked for devices") +
                    " (" + f.call + " returned " + d.describe(static_cast<CUresult>(f.code)) + ")";
    return status;
  }
  if (count == 0) {
    status.reason = "the driver sees no device";
    return status;
  }
  for (int i = 0; i < count; ++i) {
    // A device the driver cannot describe is left out rather than reported with made-up figures; a failed
    // clock or bus-width query leaves 0, which the peak table (src/gpu/peak_table.h) reads as unknown.
    CudaDevice info;
    info.index = i;
    try {
      CUdevice dev = 0;
      FLOPSCOPE_CU_CALL(d, cuDeviceGet, &dev, i);
      char name[256] = {};
      FLOPSCOPE_CU_CALL(d, cuDeviceGetName, name, sizeof name, dev);
      info.name = name;
      FLOPSCOPE_CU_CALL(d, cuDeviceGetAttribute, &info.sm_major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
      FLOPSCOPE_CU_CALL(d, cuDeviceGetAttribute, &info.sm_minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
      FLOPSCOPE_CU_CALL(d, cuDeviceGetAttribute, &info.multiprocessors, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev);
      size_t bytes = 0;
      FLOPSCOPE_CU_CALL(d, cuDeviceTotalMem_v2, &bytes, dev);
      info.total_memory = static_cast<long long>(bytes);
      if (d.cuDeviceGetAttribute(&info.sm_clock_khz, CU_DEVICE_ATTRIBUTE_CLOCK_RATE, dev) != CUDA_SUCCESS)
        info.sm_clock_khz = 0;
      if (d.cuDeviceGetAttribute(&info.memory_clock_khz, CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, dev) != CUDA_SUCCESS)
        info.memory_clock_khz = 0;
      if (d.cuDeviceGetAttribute(&info.memory_bus_width_bits, CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, dev) !=
          CUDA_SUCCESS)
        info.memory_bus_width_bits = 0;
    } catch (const CallFailed&) {
      continue;
    }
    status.devices.push_back(std::move(info));
  }
  status.available = !status.devices.empty();
  if (!status.available) status.reason = "no device could be opened";
  return status;
}

}  // namespace flopscope::cuda
