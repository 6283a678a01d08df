// GPU checks (ctest -L gpu). Each skips with the reason where there is no usable CUDA device.
#include <gtest/gtest.h>

#include "flopscope/device.h"
#include "flopscope/models.h"

namespace flopscope {
namespace {

#define REQUIRE_CUDA()                                                     \
  do {                                                                     \
    auto status = probe_cuda();                                            \
    if (!status.available) GTEST_SKIP() << describe(status);               \
  } while (0)

TEST(Cuda, DeviceDiscovery) {
  REQUIRE_CUDA();
  auto status = probe_cuda();
  ASSERT_FALSE(status.devices.empty());
  EXPECT_GT(status.devices[0].multiprocessors, 0);
  EXPECT_GE(status.devices[0].sm_major, 7);
}

TEST(Cuda, ResNet50OnTheGpuCountsWhatTheCpuCounts) {
  REQUIRE_CUDA();
  // The formulas are shape arithmetic: the CUDA ops (cudnn_convolution below _convolution) must not change
  // the outermost ops counted. Expected values: seed example 2.
  auto builtin = models::make_builtin("resnet50");
  builtin.module->to(c10::Device("cuda"));
  Options o;
  o.input_shape = {3, 224, 224};
  o.device = "cuda";
  auto info = analyze(*builtin.module, builtin.forward, o);
  EXPECT_EQ(info.flops, 4144854528LL);
  EXPECT_EQ(info.params, 25557032LL);
  EXPECT_EQ(info.activations, 11114984LL);
}

}  // namespace
}  // namespace flopscope
