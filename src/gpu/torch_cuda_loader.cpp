// LibTorch's CUDA half, libtorch_cuda.so, needs cuDNN, cuBLAS, cuFFT, NCCL, ... at load: hundreds of MB mapped
// and relocated. flopscope links only the CPU half and opens this one when a CUDA device is requested, so
// that --version and CPU analyses do not pay for it. It must be open before ATen's first CUDA question:
// ATen looks up its CUDA hooks once per process and keeps the answer.
#include <dlfcn.h>

#include <climits>
#include <mutex>
#include <string>

#include "flopscope/device.h"
#include "flopscope/errors.h"

namespace flopscope {
namespace {

// libtorch_cuda.so next to the libtorch_cpu.so this process runs, else the library search path.
std::string torch_cuda_path() {
  void* cpu = dlopen("libtorch_cpu.so", RTLD_NOW | RTLD_NOLOAD);
  if (cpu == nullptr) return "libtorch_cuda.so";
  char dir[PATH_MAX] = {};
  const bool found = dlinfo(cpu, RTLD_DI_ORIGIN, dir) == 0;
  dlclose(cpu);  // RTLD_NOLOAD took a reference
  return found ? std::string(dir) + "/libtorch_cuda.so" : "libtorch_cuda.so";
}

}  // namespace

void load_torch_cuda() {
  static std::once_flag once;
  static std::string failure;
  std::call_once(once, [] {
    const std::string path = torch_cuda_path();
    // GLOBAL: its kernels and hooks register themselves with libtorch_cpu's registries as it loads.
    if (dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
      const char* why = dlerror();
      failure = why != nullptr ? why : path + " could not be opened";
    }
  });
  if (!failure.empty())
    throw CudaUnavailable("CUDA was requested but LibTorch's CUDA library could not be loaded: " + failure);
}

}  // namespace flopscope
