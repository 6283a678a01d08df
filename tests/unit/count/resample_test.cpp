// Resampling (src/count/resample.cpp): upsampling in every mode, grid_sampler. On hand-built records at odd shapes, with the arithmetic written out.
#include <gtest/gtest.h>

#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), flops(), acts(), macs(), V

TEST(Resample, UpsampleAndGridSampler) {
  EXPECT_EQ(flops(op("aten::upsample_nearest2d", {V::tensor({1, 3, 5, 7})}, {V::tensor({1, 3, 10, 14})})),
            1 * 3 * 10 * 14);
  EXPECT_EQ(flops(op("aten::upsample_bilinear2d", {V::tensor({1, 3, 5, 7})}, {V::tensor({1, 3, 10, 14})})),
            4 * 3 * 10 * 14);
  EXPECT_EQ(flops(op("aten::grid_sampler", {V::tensor({1, 3, 5, 7}), V::tensor({1, 9, 11, 2})},
                     {V::tensor({1, 3, 9, 11})})),
            4 * 3 * 9 * 11);
}

TEST(Resample, DefaultAddsOtherForms) {
  EXPECT_EQ(macs("default", "upsample_bicubic2d", {V::tensor({1, 2, 3, 4})}, {V::tensor({1, 2, 6, 8})}), 16 * 96);
  EXPECT_EQ(macs("default", "upsample_trilinear3d", {V::tensor({1, 1, 2, 2, 2})}, {V::tensor({1, 1, 3, 4, 5})}), 8 * 60);
  EXPECT_EQ(macs("default", "upsample_linear1d", {V::tensor({1, 2, 5})}, {V::tensor({1, 2, 9})}), 2 * 18);
  EXPECT_EQ(macs("mmengine", "upsample_bicubic2d", {V::tensor({1, 2, 3, 4})}, {V::tensor({1, 2, 6, 8})}), -1);
}

TEST(Resample, TapsPerOutputElementAtOddShapes) {
  // Taps per output element: nearest 1, linear 2, bilinear 4, bicubic 16, trilinear 8, grid_sampler 4 (2-D) or
  // 8 (3-D); the input's shape does not enter.
  EXPECT_EQ(macs("default", "upsample_nearest1d", {V::tensor({3, 5, 7})}, {V::tensor({3, 5, 13})}), 1 * 3 * 5 * 13);
  EXPECT_EQ(macs("default", "_upsample_nearest_exact3d", {V::tensor({1, 3, 2, 5, 7})}, {V::tensor({1, 3, 5, 7, 13})}),
            1 * 3 * 5 * 7 * 13);
  EXPECT_EQ(macs("default", "_upsample_bilinear2d_aa", {V::tensor({2, 3, 5, 7})}, {V::tensor({2, 3, 7, 13})}),
            4 * 2 * 3 * 7 * 13);
  EXPECT_EQ(macs("default", "_upsample_bicubic2d_aa", {V::tensor({1, 3, 5, 7})}, {V::tensor({1, 3, 11, 13})}),
            16 * 3 * 11 * 13);
  EXPECT_EQ(macs("default", "upsample_trilinear3d", {V::tensor({1, 2, 3, 5, 7})}, {V::tensor({1, 2, 5, 7, 13})}),
            8 * 2 * 5 * 7 * 13);
  EXPECT_EQ(macs("default", "grid_sampler_2d", {V::tensor({1, 3, 5, 7}), V::tensor({1, 11, 13, 2})},
                 {V::tensor({1, 3, 11, 13})}),
            4 * 3 * 11 * 13);
  EXPECT_EQ(macs("default", "grid_sampler_3d", {V::tensor({1, 3, 5, 7, 11}), V::tensor({1, 2, 7, 13, 3})},
                 {V::tensor({1, 3, 2, 7, 13})}),
            8 * 3 * 2 * 7 * 13);
  // The output must be a tensor.
  EXPECT_THROW(flops(op("aten::upsample_nearest2d", {V::tensor({1, 3, 5, 7})})), FormulaError);
}

// A training step's backward scatters each output gradient over the forward's taps: nearest 1, bilinear 4; the
// grid sampler's input gradient 4 and its grid's 8 (two coordinates, four taps) per output gradient element.
TEST(Resample, BackwardOfATrainingStep) {
  // grad_output [2,3,14,18] of an upsample from [2,3,7,9]
  EXPECT_EQ(macs("default", "upsample_nearest2d_backward", {V::tensor({2, 3, 14, 18}), V::int_list({14, 18}),
                                                            V::int_list({2, 3, 7, 9})}, {V::tensor({2, 3, 7, 9})}),
            2 * 3 * 14 * 18);
  EXPECT_EQ(macs("default", "upsample_bilinear2d_backward", {V::tensor({2, 3, 14, 18}), V::int_list({14, 18}),
                                                             V::int_list({2, 3, 7, 9}), V::boolean(false)},
                 {V::tensor({2, 3, 7, 9})}),
            4 * 2 * 3 * 14 * 18);
  // grad_output [1,3,5,6], input [1,3,7,7], grid [1,5,6,2], modes, align_corners, output_mask
  const std::vector<V> args{V::tensor({1, 3, 5, 6}), V::tensor({1, 3, 7, 7}), V::tensor({1, 5, 6, 2}),
                            V::integer(0), V::integer(0), V::boolean(false)};
  auto with_mask = [&](std::int64_t input, std::int64_t grid) {
    auto a = args;
    a.push_back(V::int_list({input, grid}));
    return macs("default", "grid_sampler_2d_backward", a, {V::tensor({1, 3, 7, 7}), V::tensor({1, 5, 6, 2})});
  };
  EXPECT_EQ(with_mask(1, 1), (4 + 8) * 1 * 3 * 5 * 6);
  EXPECT_EQ(with_mask(0, 1), 8 * 1 * 3 * 5 * 6);  // an input that needs no gradient (the model's own)
}

// torchvision's RoIAlign under all: each output element the mean of sampling_ratio^2 bilinear samples, 4 taps each.
TEST(Resample, RoiAlignUnderAll) {
  // 7 boxes over a [2, 256, 50, 50] feature map, pooled to 7x7 with 2x2 samples: [7, 256, 7, 7].
  auto forward = [&](std::int64_t sampling_ratio) {
    return macs("all", "torchvision::roi_align",
                     {V::tensor({2, 256, 50, 50}), V::tensor({7, 5}), V::real(0.25), V::integer(7), V::integer(7),
                      V::integer(sampling_ratio), V::boolean(false)},
                     {V::tensor({7, 256, 7, 7})});
  };
  EXPECT_EQ(forward(2), 7 * 256 * 7 * 7 * (4 * 2 * 2 + 1));
  EXPECT_EQ(forward(3), 7 * 256 * 7 * 7 * (4 * 3 * 3 + 1));
  EXPECT_THROW(forward(0), FormulaError);  // adaptive: the boxes' sizes decide
  // Its backward: grad [7, 256, 14, 14] (a mask head), batch 2, 256 channels, 50x50, sampling_ratio 2.
  EXPECT_EQ(macs("all", "torchvision::_roi_align_backward",
                      {V::tensor({7, 256, 14, 14}), V::tensor({7, 5}), V::real(0.25), V::integer(14), V::integer(14),
                       V::integer(2), V::integer(256), V::integer(50), V::integer(50), V::integer(2),
                       V::boolean(true)}),
            7 * 256 * 14 * 14 * (4 * 2 * 2 + 1));
  for (const char* set : {"mmengine", "default"})
    EXPECT_EQ(macs(set, "torchvision::roi_align", {}), -1) << set;
}

}  // namespace
}  // namespace flopscope
