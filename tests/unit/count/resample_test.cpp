// Resampling and pooling (src/count/resample.cpp, pool.cpp). On hand-built records at odd shapes, with the arithmetic written out.
#include <gtest/gtest.h>

#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), flops(), acts(), V

TEST(Resample, UpsampleGridPool) {
  EXPECT_EQ(flops(op("aten::upsample_nearest2d", {V::tensor({1, 3, 5, 7})}, {V::tensor({1, 3, 10, 14})})),
            1 * 3 * 10 * 14);
  EXPECT_EQ(flops(op("aten::upsample_bilinear2d", {V::tensor({1, 3, 5, 7})}, {V::tensor({1, 3, 10, 14})})),
            4 * 3 * 10 * 14);
  EXPECT_EQ(flops(op("aten::grid_sampler", {V::tensor({1, 3, 5, 7}), V::tensor({1, 9, 11, 2})},
                     {V::tensor({1, 3, 9, 11})})),
            4 * 3 * 9 * 11);
  EXPECT_EQ(flops(op("aten::adaptive_avg_pool2d", {V::tensor({1, 2048, 7, 7}), V::int_list({1, 1})},
                     {V::tensor({1, 2048, 1, 1})})),
            2048 * 7 * 7);
}

}  // namespace
}  // namespace flopscope
