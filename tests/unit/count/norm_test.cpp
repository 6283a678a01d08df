// Normalisation (src/count/norm.cpp): batch norm in training and eval, group, layer, instance. On hand-built records at odd shapes, with the arithmetic written out.
#include <gtest/gtest.h>

#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), flops(), acts(), V

OpRecord batch_norm(std::vector<std::int64_t> x, bool weight, bool training) {
  return op("aten::batch_norm", {V::tensor(x), weight ? V::tensor({x[1]}) : V::none(), V::none(), V::none(),
                                 V::none(), V::boolean(training), V::real(0.1), V::real(1e-5), V::boolean(true)});
}

TEST(Norm, BatchNormTrainingAndEval) {
  const Count n = 2 * 3 * 5 * 7;
  EXPECT_EQ(flops(batch_norm({2, 3, 5, 7}, true, true)), 5 * n);
  EXPECT_EQ(flops(batch_norm({2, 3, 5, 7}, false, true)), 4 * n);
  EXPECT_EQ(flops(batch_norm({2, 3, 5, 7}, true, false)), 2 * n);
  EXPECT_EQ(flops(batch_norm({2, 3, 5, 7}, false, false)), 1 * n);
}

TEST(Norm, GroupLayerInstance) {
  EXPECT_EQ(flops(op("aten::group_norm", {V::tensor({2, 6, 5, 7}), V::integer(3), V::tensor({6}), V::tensor({6})})),
            5 * 2 * 6 * 5 * 7);
  EXPECT_EQ(flops(op("aten::layer_norm", {V::tensor({3, 7, 11}), V::int_list({11}), V::tensor({11}), V::none()})),
            5 * 3 * 7 * 11);
  EXPECT_EQ(flops(op("aten::instance_norm", {V::tensor({2, 3, 5, 7}), V::none(), V::none()})), 4 * 2 * 3 * 5 * 7);
  EXPECT_THROW(flops(op("aten::layer_norm", {V::tensor({3}), V::int_list({3}), V::none()})), FormulaError);
}

}  // namespace
}  // namespace flopscope
