// flopscope links only LibTorch's CPU half and opens libtorch_cuda.so on request. A process of its own: ATen
// decides once per process whether CUDA hooks exist, so nothing may ask before the load.
#include <gtest/gtest.h>

#include <ATen/Context.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <dlfcn.h>

#include "flopscope/device.h"

namespace {

bool loaded(const char* soname) {
  void* h = dlopen(soname, RTLD_NOW | RTLD_NOLOAD);
  if (h != nullptr) dlclose(h);
  return h != nullptr;
}

TEST(TorchCudaLoad, OpenedOnRequestAndHooksRegister) {
  EXPECT_FALSE(loaded("libtorch_cuda.so")) << "a binary linking flopscope must not load LibTorch's CUDA half";
  EXPECT_FALSE(loaded("libcudnn.so.9"));
  flopscope::load_torch_cuda();
  flopscope::load_torch_cuda();  // once per process
  EXPECT_TRUE(loaded("libtorch_cuda.so"));
  // The CUDA hooks registered as the library loaded: ATen now knows it was built with CUDA. Whether a device
  // is usable is the driver's answer.
  EXPECT_TRUE(at::detail::getCUDAHooks().isBuilt());
  EXPECT_EQ(at::hasCUDA(), flopscope::probe_cuda().available);
}

}  // namespace
