#pragma once
// libcuda opened with dlopen, once per process, with every driver entry point flopscope calls: the device
// probe's and the counter pass's. flopscope never links libcuda, so every binary starts without a driver.
#include <cuda.h>

#include <string>

namespace flopscope::cuda {

struct DriverLibrary {
  void* handle = nullptr;
  std::string reason;  ///< why the driver API cannot be used ("" when every required entry point was found)

  decltype(&cuInit) init = nullptr;
  decltype(&cuDriverGetVersion) driver_version = nullptr;
  decltype(&cuDeviceGetCount) device_count = nullptr;
  decltype(&cuDeviceGet) device_get = nullptr;
  decltype(&cuDeviceGetName) device_name = nullptr;
  decltype(&cuDeviceGetAttribute) attribute = nullptr;
  decltype(&cuDeviceTotalMem) total_mem = nullptr;
  decltype(&cuCtxGetCurrent) ctx_get_current = nullptr;
  decltype(&cuCtxGetDevice) ctx_get_device = nullptr;
  decltype(&cuGetErrorString) error_string = nullptr;  // optional

  /// "CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected", or "CUDA error 100" when the driver cannot say.
  std::string describe(CUresult r) const;
};

/// The driver, opened on the first call and never closed. Never throws.
const DriverLibrary& driver_library();

}  // namespace flopscope::cuda
