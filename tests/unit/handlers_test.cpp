// Every formula on hand-built records at odd shapes, with the arithmetic written out.
#include <gtest/gtest.h>

#include "flopscope/op_set.h"

namespace flopscope {
namespace {

using V = Value;

const OpSet& ops() {
  static const OpSet set = mmengine_op_set();
  return set;
}

Count flops(const OpRecord& r) { return ops().flops.at(r.name).formula(r); }
Count acts(const OpRecord& r) { return ops().activations.at(r.name).formula(r); }

OpRecord op(const std::string& name, std::vector<Value> in, std::vector<Value> out = {}) {
  OpRecord r;
  r.name = name;
  r.inputs = std::move(in);
  r.outputs = std::move(out);
  return r;
}

TEST(Matmul, Linear) {
  auto r = op("aten::linear", {V::tensor({2, 7, 13}), V::tensor({5, 13}), V::tensor({5})}, {V::tensor({2, 7, 5})});
  EXPECT_EQ(flops(r), 2 * 7 * 13 * 5);
  EXPECT_EQ(acts(r), 2 * 7 * 5);
  EXPECT_EQ(ops().flops.at("aten::linear").key, "linear");
  auto bad = op("aten::linear", {V::tensor({2, 7, 12}), V::tensor({5, 13}), V::none()});
  EXPECT_THROW(flops(bad), FormulaError);
}

TEST(Matmul, Addmm) {
  auto r = op("aten::addmm", {V::tensor({5}), V::tensor({3, 7}), V::tensor({7, 5})}, {V::tensor({3, 5})});
  EXPECT_EQ(flops(r), 3 * 7 * 5);
  EXPECT_EQ(acts(r), 3 * 5);
}

TEST(Matmul, Bmm) {
  auto r = op("aten::bmm", {V::tensor({4, 3, 7}), V::tensor({4, 7, 5})}, {V::tensor({4, 3, 5})});
  EXPECT_EQ(flops(r), 4 * 3 * 7 * 5);
}

TEST(Matmul, MatmulPromotesVectors) {
  EXPECT_EQ(flops(op("aten::matmul", {V::tensor({3, 7}), V::tensor({7, 5})})), 3 * 7 * 5);
  EXPECT_EQ(flops(op("aten::matmul", {V::tensor({7}), V::tensor({7, 5})})), 1 * 7 * 5);    // A -> [1, 7]
  EXPECT_EQ(flops(op("aten::matmul", {V::tensor({2, 3, 7}), V::tensor({7})})), 2 * 3 * 7);  // B -> [7, 1]
  // Batch dims only in B are not multiplied in (mmengine's formula): numel(A) * B[-1].
  EXPECT_EQ(flops(op("aten::matmul", {V::tensor({3, 7}), V::tensor({6, 7, 5})})), 3 * 7 * 5);
  EXPECT_EQ(flops(op("aten::mm", {V::tensor({3, 7}), V::tensor({7, 5})})), 3 * 7 * 5);
  EXPECT_THROW(flops(op("aten::matmul", {V::tensor({3, 7}), V::tensor({6, 5})})), FormulaError);
}

OpRecord convolution(std::vector<std::int64_t> x, std::vector<std::int64_t> w, std::vector<std::int64_t> out,
                     bool transposed, std::int64_t groups) {
  std::vector<Value> in = {V::tensor(x), V::tensor(w), V::none(), V::int_list({1, 1}), V::int_list({0, 0}),
                           V::int_list({1, 1}), V::boolean(transposed), V::int_list({0, 0}), V::integer(groups),
                           V::boolean(false), V::boolean(false), V::boolean(true), V::boolean(true)};
  return op("aten::_convolution", in, {V::tensor(out)});
}

TEST(Conv, Plain) {
  // x [2,3,17,11], W [8,3,3,5] -> out [2,8,15,7]: N * numel(W) * Ho * Wo = 2 * 360 * 105.
  auto r = convolution({2, 3, 17, 11}, {8, 3, 3, 5}, {2, 8, 15, 7}, false, 1);
  EXPECT_EQ(flops(r), 2 * (8 * 3 * 3 * 5) * (15 * 7));
  EXPECT_EQ(acts(r), 2 * 8 * 15 * 7);
  EXPECT_EQ(ops().flops.at("aten::_convolution").key, "conv");
}

TEST(Conv, GroupedWeightCarriesTheGroups) {
  // groups=3, Cin=6, Cout=6: W [6, 2, 3, 3]; out [1,6,7,11]: 1 * 108 * 77.
  auto r = convolution({1, 6, 9, 13}, {6, 2, 3, 3}, {1, 6, 7, 11}, false, 3);
  EXPECT_EQ(flops(r), 1 * (6 * 2 * 3 * 3) * (7 * 11));
}

TEST(Conv, TransposedUsesInputSpatialDims) {
  // x [1,4,5,7], W [4,3,3,3] -> out [1,3,7,9]: 1 * 108 * (5 * 7).
  auto r = convolution({1, 4, 5, 7}, {4, 3, 3, 3}, {1, 3, 7, 9}, true, 1);
  EXPECT_EQ(flops(r), 1 * (4 * 3 * 3 * 3) * (5 * 7));
}

TEST(Conv, Conv1dAnd3d) {
  EXPECT_EQ(flops(convolution({3, 5, 19}, {7, 5, 3}, {3, 7, 17}, false, 1)), 3 * (7 * 5 * 3) * 17);
  EXPECT_EQ(flops(convolution({1, 2, 5, 6, 7}, {3, 2, 1, 2, 3}, {1, 3, 5, 5, 5}, false, 1)), 1 * 36 * 125);
}

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

TEST(OpSets, MmengineIgnoresAndActivations) {
  EXPECT_EQ(ops().ignored.count("aten::relu_"), 1u);
  EXPECT_EQ(ops().ignored.count("aten::add_"), 0u);
  EXPECT_EQ(ops().activations.count("aten::batch_norm"), 0u);  // mmengine counts no activations for norms
  EXPECT_EQ(ops().activations.count("aten::mm"), 0u);
  EXPECT_THROW(op_set_named("nope"), std::exception);
}

}  // namespace
}  // namespace flopscope
