// Shape-only analysis: meta kernels for the ops LibTorch's C++ runtime lacks, the model left untouched, and
// forwards that read values refused with one line. Expected shapes are worked out by hand in each test.
#include <gtest/gtest.h>

#include <ATen/ops/conv1d.h>
#include <ATen/ops/conv2d.h>
#include <ATen/ops/conv_transpose2d.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/max_pool2d.h>

#include <ATen/core/dispatch/Dispatcher.h>

#include "capture/meta_kernels.h"
#include "flopscope/complexity.h"
#include "test_support.h"

namespace flopscope {
namespace {

at::Tensor meta(std::vector<std::int64_t> sizes) { return at::empty(sizes, at::TensorOptions().device(c10::kMeta)); }

// Whether LibTorch's dispatcher has a Meta kernel for an op now.
bool has_meta_kernel(const char* name) {
  auto op = c10::Dispatcher::singleton().findSchema({name, ""});
  return op.has_value() && op->hasKernelForDispatchKey(c10::DispatchKey::Meta);
}

TEST(MetaKernels, RegisteredOnlyWhileHeld) {
  // convolution_overrideable has no Meta kernel in LibTorch's C++ runtime: flopscope's is there while an
  // analysis holds the registration (two at once share it), and gone after.
  ASSERT_FALSE(has_meta_kernel("aten::convolution_overrideable"));
  {
    capture::MetaKernels first;
    {
      capture::MetaKernels second;
      EXPECT_TRUE(has_meta_kernel("aten::convolution_overrideable"));
    }
    EXPECT_TRUE(has_meta_kernel("aten::convolution_overrideable"));
  }
  EXPECT_FALSE(has_meta_kernel("aten::convolution_overrideable"));
  // A whole shape-only analysis leaves the dispatcher as it found it.
  auto model = test::load_fixture("testnet_scripted.pt");
  Options o;
  o.input_shape = InputShape({10});
  o.shape_only = true;
  EXPECT_EQ(analyze(model, o).flops, 400);
  EXPECT_FALSE(has_meta_kernel("aten::convolution_overrideable"));
}

TEST(MetaKernels, ConvolutionShapes) {
  capture::MetaKernels meta_kernels;
  // Conv2d 3 -> 4, 3x3, stride 2, padding 1, dilation 2 on 2x3x17x11:
  // Ho = (17 + 2*1 - 2*(3-1) - 1) / 2 + 1 = 8, Wo = (11 + 2 - 4 - 1) / 2 + 1 = 5.
  auto y = at::conv2d(meta({2, 3, 17, 11}), meta({4, 3, 3, 3}), meta({4}), {2, 2}, {1, 1}, {2, 2});
  EXPECT_EQ(y.sizes().vec(), (std::vector<std::int64_t>{2, 4, 8, 5}));
  EXPECT_TRUE(y.is_meta());
  // Grouped conv1d 6 -> 9, groups 3, kernel 5, stride 3, no padding on 1x6x20: L = (20 - 4 - 1) / 3 + 1 = 6.
  auto z = at::conv1d(meta({1, 6, 20}), meta({9, 2, 5}), std::nullopt, at::IntArrayRef{3}, at::IntArrayRef{0},
                      at::IntArrayRef{1}, 3);
  EXPECT_EQ(z.sizes().vec(), (std::vector<std::int64_t>{1, 9, 6}));
  // Unbatched input: 3x17x11 -> 4x8x5.
  auto u = at::conv2d(meta({3, 17, 11}), meta({4, 3, 3, 3}), std::nullopt, at::IntArrayRef{2, 2},
                      at::IntArrayRef{1, 1}, at::IntArrayRef{2, 2});
  EXPECT_EQ(u.sizes().vec(), (std::vector<std::int64_t>{4, 8, 5}));
  // ConvTranspose2d 4 -> 6 (weight [in, out/groups, kh, kw] = [4, 3, 3, 2], groups 2), stride (2, 3),
  // padding (1, 0), output_padding (1, 2) on 1x4x5x7:
  // Ho = (5-1)*2 - 2*1 + 1*(3-1) + 1 + 1 = 10, Wo = (7-1)*3 - 0 + 1*(2-1) + 2 + 1 = 22; C = 3 * 2 = 6.
  auto t = at::conv_transpose2d(meta({1, 4, 5, 7}), meta({4, 3, 3, 2}), std::nullopt, at::IntArrayRef{2, 3},
                                at::IntArrayRef{1, 0}, at::IntArrayRef{1, 2}, 2);
  EXPECT_EQ(t.sizes().vec(), (std::vector<std::int64_t>{1, 6, 10, 22}));
  // A kernel larger than the padded input is an error, as on the CPU.
  EXPECT_THROW(at::conv2d(meta({1, 3, 2, 2}), meta({4, 3, 5, 5})), c10::Error);
}

TEST(MetaKernels, MaxPoolShapes) {
  capture::MetaKernels meta_kernels;
  // MaxPool2d 3x3, stride 2, padding 1 on 1x64x112x112 (ResNet's stem): (112 + 2 - 2 - 1) / 2 + 1 = 56.
  auto y = at::max_pool2d(meta({1, 64, 112, 112}), {3, 3}, {2, 2}, {1, 1});
  EXPECT_EQ(y.sizes().vec(), (std::vector<std::int64_t>{1, 64, 56, 56}));
  // ceil_mode on 1x2x7x9, kernel 2, stride 2: H = ceil((7-2)/2) + 1 = 4, W = ceil((9-2)/2) + 1 = 5.
  auto c = at::max_pool2d(meta({1, 2, 7, 9}), {2, 2}, {2, 2}, {0, 0}, {1, 1}, /*ceil_mode=*/true);
  EXPECT_EQ(c.sizes().vec(), (std::vector<std::int64_t>{1, 2, 4, 5}));
}

std::vector<at::Tensor> state_of(const torch::jit::Module& m) {
  std::vector<at::Tensor> v;
  for (const auto& p : m.parameters()) v.push_back(p);
  for (const auto& b : m.buffers()) v.push_back(b);
  return v;
}

TEST(ShapeOnly, ModelUntouchedAndReportIdentical) {
  auto model = test::load_fixture("resnet50_traced.pt");  // training mode: batch norms write their buffers
  auto before = state_of(model);
  std::vector<at::Tensor> copies;
  for (const auto& t : before) copies.push_back(t.clone());
  Options o;
  o.input_shape = {3, 64, 48};
  auto cpu = analyze(model, o);
  o.shape_only = true;
  auto shape_only = analyze(model, o);
  EXPECT_EQ(cpu.out_table, shape_only.out_table);
  EXPECT_EQ(cpu.out_arch, shape_only.out_arch);
  EXPECT_EQ(cpu.flops, shape_only.flops);
  EXPECT_EQ(cpu.activations, shape_only.activations);
  EXPECT_EQ(shape_only.analysis.run.device, "meta");
  auto after = state_of(model);
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_TRUE(after[i].is_same(before[i]));  // the same tensors, still on the CPU, same bits
    EXPECT_TRUE(after[i].device().is_cpu());
    EXPECT_TRUE(after[i].equal(copies[i]));
  }
  EXPECT_TRUE(model.is_training());
}

TEST(ShapeOnly, ValueReadingForwardRefused) {
  auto model = test::load_fixture("odd/data_dependent.pt");
  Options o;
  o.input_shape = {10};
  o.shape_only = true;
  try {
    analyze(model, o);
    FAIL() << "a branch on a tensor's value cannot run on meta";
  } catch (const ForwardFailed& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("cannot be analysed shape-only: aten::", 0), 0u) << what;
    EXPECT_NE(what.find(" needs tensor values; analyse on cpu"), std::string::npos) << what;
  }
}

TEST(ShapeOnly, OtherDeviceIsAContradiction) {
  auto model = test::load_fixture("testnet_scripted.pt");
  Options o;
  o.input_shape = {10};
  o.shape_only = true;
  o.device = "cpu";
  EXPECT_THROW(analyze(model, o), InvalidInput);
}

}  // namespace
}  // namespace flopscope
