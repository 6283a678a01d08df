// The capture is per thread: an analysis sees only its own thread's ops, so analyses on several threads
// agree with sequential ones and a busy neighbour thread leaves no trace in a report.
#include <ATen/ops/matmul.h>
#include <ATen/ops/randn.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "flopscope/models.h"
#include "test_support.h"

namespace flopscope {
namespace {

Count analyse_builtin(const char* name, flopscope::InputShape shape) {
  auto b = models::make_builtin(name);
  Options o;
  o.input_shape = shape;
  return analyze(*b.module, b.forward, o).flops;
}

TEST(Concurrency, ParallelAnalysesMatchSequentialOnes) {
  const Count testnet = 400;         // seed example 1
  const Count resnet = 4144854528LL;  // seed example 2
  std::atomic<int> wrong{0};
  std::thread a([&] {
    for (int i = 0; i < 20; ++i) wrong += analyse_builtin("testnet", {10}) != testnet;
  });
  std::thread b([&] {
    for (int i = 0; i < 2; ++i) wrong += analyse_builtin("resnet50", {3, 224, 224}) != resnet;
  });
  std::thread c([&] {
    auto scripted = test::load_fixture("testnet_scripted.pt");
    for (int i = 0; i < 20; ++i) wrong += get_model_complexity_info(scripted, {1, 10}).flops != testnet;
  });
  a.join();
  b.join();
  c.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Concurrency, ANeighbourThreadsOpsStayOut) {
  std::atomic<bool> stop{false};
  std::atomic<long> neighbour_ops{0};
  std::thread busy([&] {  // matmul and max_pool-free work that would show up as "matmul" or unsupported ops
    at::Tensor m = at::randn({32, 32});
    while (!stop) {
      m = at::matmul(m, m).tanh();
      ++neighbour_ops;
    }
  });
  for (int i = 0; i < 50; ++i) {
    models::TestNet model;
    auto info = get_model_complexity_info(model, {1, 10});
    EXPECT_EQ(info.flops, 400);
    EXPECT_EQ(info.analysis.flops.by_operator().items().size(), 1u);  // only "linear"
    EXPECT_TRUE(info.analysis.flops.unsupported.empty());
  }
  stop = true;
  busy.join();
  EXPECT_GT(neighbour_ops.load(), 0);
}

}  // namespace
}  // namespace flopscope
