// Pooling (src/count/pool.cpp): adaptive_avg_pool2d in every set; under all, every max/avg pool as
// numel(output) * window and every adaptive pool as numel(input). On hand-built records at odd shapes, with
// the arithmetic written out.
#include <gtest/gtest.h>

#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), flops(), macs(), V

TEST(Pool, AdaptiveAvgPool2dInMmengine) {
  EXPECT_EQ(flops(op("aten::adaptive_avg_pool2d", {V::tensor({1, 2048, 7, 7}), V::int_list({1, 1})},
                     {V::tensor({1, 2048, 1, 1})})),
            2048 * 7 * 7);
}

TEST(Pool, AllCountsEveryPooling) {
  EXPECT_EQ(macs("default", "max_pool2d", {V::tensor({1, 2, 9, 9}), V::int_list({3, 3})}, {V::tensor({1, 2, 4, 4})}), -1);
  // 3x3 windows over 2*4*4 outputs; a single kernel value means square.
  EXPECT_EQ(macs("all", "max_pool2d", {V::tensor({1, 2, 9, 9}), V::int_list({3, 3})}, {V::tensor({1, 2, 4, 4})}), 32 * 9);
  EXPECT_EQ(macs("all", "avg_pool2d", {V::tensor({1, 2, 9, 9}), V::int_list({3})}, {V::tensor({1, 2, 4, 4})}), 32 * 9);
  EXPECT_EQ(macs("all", "max_pool1d", {V::tensor({2, 3, 11}), V::int_list({2})}, {V::tensor({2, 3, 5})}), 30 * 2);
  EXPECT_EQ(macs("all", "adaptive_max_pool2d", {V::tensor({1, 3, 5, 7})}, {V::tensor({1, 3, 1, 1})}), 105);
}

TEST(Pool, WindowedAtOddShapes) {
  // numel(output) * kd * kh * kw: x[1,2,7,11,13], kernel 3x5x7 (stride 1) -> [1,2,5,7,7].
  EXPECT_EQ(macs("all", "max_pool3d", {V::tensor({1, 2, 7, 11, 13}), V::int_list({3, 5, 7})},
                 {V::tensor({1, 2, 5, 7, 7})}),
            (1 * 2 * 5 * 7 * 7) * (3 * 5 * 7));
  // One kernel value is the same size in all three dims: 3*3*3.
  EXPECT_EQ(macs("all", "avg_pool3d", {V::tensor({2, 3, 7, 7, 7}), V::int_list({3})}, {V::tensor({2, 3, 5, 5, 5})}),
            (2 * 3 * 5 * 5 * 5) * (3 * 3 * 3));
  // A non-square 2-D window, 3x5, with its indices returned too: [3,7,11,13] -> [3,7,3,3] (stride 3, 4).
  EXPECT_EQ(macs("all", "max_pool2d_with_indices", {V::tensor({3, 7, 11, 13}), V::int_list({3, 5}), V::int_list({3, 4})},
                 {V::tensor({3, 7, 3, 3}), V::tensor({3, 7, 3, 3})}),
            (3 * 7 * 3 * 3) * (3 * 5));
  // 1-D: numel(output) * k.
  EXPECT_EQ(macs("all", "avg_pool1d", {V::tensor({2, 3, 13}), V::int_list({5})}, {V::tensor({2, 3, 9})}),
            (2 * 3 * 9) * 5);
  EXPECT_THROW(macs("all", "max_pool2d", {V::tensor({1, 2, 9, 9}), V::integer(3)}, {V::tensor({1, 2, 7, 7})}),
               FormulaError);  // kernel_size must be an int list
}

TEST(Pool, AdaptiveIsPerInputElement) {
  // numel(input), whatever the output size.
  EXPECT_EQ(macs("mmengine", "adaptive_avg_pool2d", {V::tensor({3, 5, 7, 13}), V::int_list({2, 3})},
                 {V::tensor({3, 5, 2, 3})}),
            3 * 5 * 7 * 13);
  EXPECT_EQ(macs("all", "adaptive_avg_pool1d", {V::tensor({2, 7, 13}), V::int_list({3})}, {V::tensor({2, 7, 3})}),
            2 * 7 * 13);
  EXPECT_EQ(macs("all", "adaptive_max_pool3d", {V::tensor({1, 3, 5, 7, 11}), V::int_list({1, 1, 1})},
                 {V::tensor({1, 3, 1, 1, 1}), V::tensor({1, 3, 1, 1, 1})}),
            3 * 5 * 7 * 11);
  // Only adaptive_avg_pool2d below all.
  for (const char* set : {"mmengine", "default"}) {
    EXPECT_EQ(macs(set, "adaptive_avg_pool1d", {V::tensor({2, 7, 13}), V::int_list({3})}, {V::tensor({2, 7, 3})}), -1)
        << set;
    EXPECT_EQ(macs(set, "avg_pool2d", {V::tensor({1, 2, 9, 9}), V::int_list({3})}, {V::tensor({1, 2, 4, 4})}), -1) << set;
  }
  EXPECT_EQ(macs("default", "adaptive_avg_pool2d", {V::tensor({3, 5, 7, 13}), V::int_list({1, 1})},
                 {V::tensor({3, 5, 1, 1})}),
            3 * 5 * 7 * 13);
}

// A training step's backward. Adaptive average pooling (default): each input element's gradient is its window's
// share, numel(input). Under all, max pooling routes each output gradient to its argmax (numel(grad_output)) and
// average pooling spreads it over the window (numel(grad_output) * kh * kw).
TEST(Pool, BackwardOfATrainingStep) {
  EXPECT_EQ(macs("default", "_adaptive_avg_pool2d_backward", {V::tensor({2, 5, 3, 3}), V::tensor({2, 5, 7, 9})},
                 {V::tensor({2, 5, 7, 9})}),
            2 * 5 * 7 * 9);
  EXPECT_EQ(macs("default", "max_pool2d_with_indices_backward", {V::tensor({1, 2, 4, 4}), V::tensor({1, 2, 9, 9})},
                 {V::tensor({1, 2, 9, 9})}),
            -1);
  // grad_output, self, kernel_size, stride, padding, dilation, ceil_mode, indices
  EXPECT_EQ(macs("all", "max_pool2d_with_indices_backward",
                 {V::tensor({1, 2, 4, 4}), V::tensor({1, 2, 9, 9}), V::int_list({3, 3}), V::int_list({2, 2}),
                  V::int_list({0, 0}), V::int_list({1, 1}), V::boolean(false), V::tensor({1, 2, 4, 4})},
                 {V::tensor({1, 2, 9, 9})}),
            1 * 2 * 4 * 4);
  // grad_output, self, kernel_size (3 x 5), ...
  EXPECT_EQ(macs("all", "avg_pool2d_backward", {V::tensor({3, 7, 3, 3}), V::tensor({3, 7, 11, 13}), V::int_list({3, 5})},
                 {V::tensor({3, 7, 11, 13})}),
            (3 * 7 * 3 * 3) * (3 * 5));
  EXPECT_EQ(macs("all", "adaptive_max_pool2d_backward", {V::tensor({1, 3, 2, 2}), V::tensor({1, 3, 5, 7})},
                 {V::tensor({1, 3, 5, 7})}),
            1 * 3 * 2 * 2);
}

// A kernel_size of one value, or one per pooled dimension: two values for a 3-D pool (a file can declare it) is
// refused, not read past.
TEST(Pool, KernelSizeOfTheWrongLengthIsRefused) {
  EXPECT_EQ(macs("all", "max_pool3d", {V::tensor({1, 2, 8, 8, 8}), V::int_list({2})}, {V::tensor({1, 2, 4, 4, 4})}),
            (1 * 2 * 4 * 4 * 4) * (2 * 2 * 2));
  EXPECT_THROW(macs("all", "max_pool3d", {V::tensor({1, 2, 8, 8, 8}), V::int_list({2, 2})}, {V::tensor({1, 2, 4, 4, 4})}),
               FormulaError);
}

}  // namespace
}  // namespace flopscope
