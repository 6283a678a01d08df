#include "driver_library.h"

#include <dlfcn.h>

namespace flopscope::cuda {
namespace {

template <class F>
bool bind(void* handle, const char* name, F& out) {
  out = reinterpret_cast<F>(dlsym(handle, name));
  return out != nullptr;
}

DriverLibrary open_driver() {
  DriverLibrary d;
  d.handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (d.handle == nullptr) {
    d.reason = "no CUDA driver (libcuda.so.1 cannot be loaded)";
    return d;
  }
  const bool ok = bind(d.handle, "cuInit", d.init) & bind(d.handle, "cuDriverGetVersion", d.driver_version) &
                  bind(d.handle, "cuDeviceGetCount", d.device_count) & bind(d.handle, "cuDeviceGet", d.device_get) &
                  bind(d.handle, "cuDeviceGetName", d.device_name) &
                  bind(d.handle, "cuDeviceGetAttribute", d.attribute) &
                  bind(d.handle, "cuDeviceTotalMem_v2", d.total_mem) &
                  bind(d.handle, "cuCtxGetCurrent", d.ctx_get_current) &
                  bind(d.handle, "cuCtxGetDevice", d.ctx_get_device);
  bind(d.handle, "cuGetErrorString", d.error_string);
  if (!ok) d.reason = "the CUDA driver library lacks the driver API entry points";
  return d;
}

}  // namespace

std::string DriverLibrary::describe(CUresult r) const {
  const char* text = nullptr;
  if (error_string && error_string(r, &text) == CUDA_SUCCESS && text) return text;
  return "CUDA error " + std::to_string(static_cast<int>(r));
}

const DriverLibrary& driver_library() {
  static const DriverLibrary driver = open_driver();
  return driver;
}

}  // namespace flopscope::cuda
