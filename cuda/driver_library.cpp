#include "driver_library.h"

#include <dlfcn.h>

#include <type_traits>

namespace flopscope::cuda {
namespace {

DriverLibrary open_driver() {
  DriverLibrary d;
  d.handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (d.handle == nullptr) {
    d.reason = "no CUDA driver (libcuda.so.1 cannot be loaded)";
    return d;
  }
  std::string missing;
  auto resolve = [&](auto& out, const char* name, bool required) {
    out = reinterpret_cast<std::remove_reference_t<decltype(out)>>(dlsym(d.handle, name));
    if (out == nullptr && required && missing.empty()) missing = name;
  };
#define FLOPSCOPE_DRIVER_RESOLVE(fn) resolve(d.fn, #fn, true);
#define FLOPSCOPE_DRIVER_RESOLVE_OPTIONAL(fn) resolve(d.fn, #fn, false);
  FLOPSCOPE_DRIVER_API(FLOPSCOPE_DRIVER_RESOLVE)
  FLOPSCOPE_DRIVER_OPTIONAL_API(FLOPSCOPE_DRIVER_RESOLVE_OPTIONAL)
#undef FLOPSCOPE_DRIVER_RESOLVE
#undef FLOPSCOPE_DRIVER_RESOLVE_OPTIONAL
  if (!missing.empty()) d.reason = "the CUDA driver library lacks " + missing + " (a driver older than CUDA 13?)";
  return d;
}

}  // namespace

std::string DriverLibrary::describe(CUresult r) const {
  const char* text = nullptr;
  if (cuGetErrorString && cuGetErrorString(r, &text) == CUDA_SUCCESS && text) return text;
  return "CUDA error " + std::to_string(static_cast<int>(r));
}

const DriverLibrary& driver_library() {
  static const DriverLibrary driver = open_driver();
  return driver;
}

}  // namespace flopscope::cuda
