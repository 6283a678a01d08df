#pragma once
// libcuda opened with dlopen, once per process, with every driver entry point flopscope calls: the device
// probe's and the counter pass's. flopscope never links libcuda, so every binary starts without a driver.
#include <cuda.h>

#include <string>

namespace flopscope::cuda {

// Each entry point listed once by its API name; the list declares the members and drives the lookup.
// cuDeviceTotalMem_v2 is spelt out: cuda.h maps the plain name to it with a macro, which the lookup's
// stringified name would not see (and the plain symbol is the old 32-bit one).
#define FLOPSCOPE_DRIVER_API(X)                                                                              \
  X(cuInit) X(cuDriverGetVersion) X(cuDeviceGetCount) X(cuDeviceGet) X(cuDeviceGetName) X(cuDeviceGetAttribute) \
  X(cuDeviceTotalMem_v2) X(cuCtxGetCurrent) X(cuCtxGetDevice)
#define FLOPSCOPE_DRIVER_OPTIONAL_API(X) X(cuGetErrorString)

/// Call entry points through FLOPSCOPE_CU_CALL (call_check.h).
struct DriverLibrary {
  void* handle = nullptr;
  std::string reason;  ///< why the driver API cannot be used ("" when every required entry point was found)

#define FLOPSCOPE_DRIVER_MEMBER(fn) decltype(&::fn) fn = nullptr;
  FLOPSCOPE_DRIVER_API(FLOPSCOPE_DRIVER_MEMBER)
  FLOPSCOPE_DRIVER_OPTIONAL_API(FLOPSCOPE_DRIVER_MEMBER)
#undef FLOPSCOPE_DRIVER_MEMBER

  /// "CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected", or "CUDA error 100" when the driver cannot say.
  std::string describe(CUresult r) const;
};

/// The driver, opened on the first call and never closed. Never throws.
const DriverLibrary& driver_library();

}  // namespace flopscope::cuda
