// Normalisation (src/count/norm.cpp): batch norm in training and eval, group, layer, instance, RMS; default's native_* forms. On hand-built records at odd shapes, with the arithmetic written out.
#include <gtest/gtest.h>

#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), flops(), acts(), macs(), V

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

TEST(Norm, DefaultAddsNativeNorms) {
  // native_layer_norm(x[3,7,11], [11], weight, bias): 5 per element.
  EXPECT_EQ(macs("default", "native_layer_norm", {V::tensor({3, 7, 11}), V::int_list({11}), V::tensor({11}), V::tensor({11})}),
            5 * 3 * 7 * 11);
  // _native_batch_norm_legit_no_training(x[2,3,5,7], weight, ...): eval, 2 per element.
  EXPECT_EQ(macs("default", "_native_batch_norm_legit_no_training", {V::tensor({2, 3, 5, 7}), V::tensor({3})}),
            2 * 2 * 3 * 5 * 7);
}

TEST(Norm, NativeBatchAndGroupNormFlagPositions) {
  // training: numel(x) * (5 if affine else 4); eval: numel(x) * (2 if affine else 1). x[3,5,7,13].
  const Count n = 3 * 5 * 7 * 13;
  // native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps): training, affine.
  EXPECT_EQ(macs("default", "native_batch_norm", {V::tensor({3, 5, 7, 13}), V::tensor({5}), V::tensor({5}), V::none(),
                                                   V::none(), V::boolean(true), V::real(0.1), V::real(1e-5)}),
            5 * n);
  EXPECT_EQ(macs("mmengine", "native_batch_norm", {V::tensor({3, 5, 7, 13}), V::tensor({5}), V::tensor({5}), V::none(),
                                                    V::none(), V::boolean(true), V::real(0.1), V::real(1e-5)}),
            -1);
  // _native_batch_norm_legit with running stats (training at 5): eval, affine.
  EXPECT_EQ(macs("default", "_native_batch_norm_legit", {V::tensor({3, 5, 7, 13}), V::tensor({5}), V::tensor({5}),
                                                          V::tensor({5}), V::tensor({5}), V::boolean(false), V::real(0.1),
                                                          V::real(1e-5)}),
            2 * n);
  // Its no-stats overload (input, weight, bias, training, momentum, eps): training at 3, no affine.
  EXPECT_EQ(macs("default", "_native_batch_norm_legit", {V::tensor({3, 5, 7, 13}), V::none(), V::none(),
                                                          V::boolean(true), V::real(0.1), V::real(1e-5)}),
            4 * n);
  // native_group_norm(input, weight, bias, N, C, HxW, group, eps): affine at 1.
  EXPECT_EQ(macs("default", "native_group_norm", {V::tensor({3, 5, 7, 13}), V::tensor({5}), V::tensor({5}),
                                                   V::integer(3), V::integer(5), V::integer(7 * 13), V::integer(5),
                                                   V::real(1e-5)}),
            5 * n);
  EXPECT_EQ(macs("default", "native_group_norm", {V::tensor({3, 5, 7, 13}), V::none(), V::none(), V::integer(3),
                                                   V::integer(5), V::integer(7 * 13), V::integer(5), V::real(1e-5)}),
            4 * n);
}

}  // namespace
}  // namespace flopscope

namespace flopscope {
namespace {

using namespace test;

// native_layer_norm_backward(grad_out, input, normalized_shape, mean, rstd, weight, bias, output_mask)
std::vector<Value> ln_backward(bool affine, std::vector<std::int64_t> mask) {
  return {V::tensor({3, 7, 11}), V::tensor({3, 7, 11}), V::int_list({11}), V::tensor({3, 7, 1}), V::tensor({3, 7, 1}),
          affine ? V::tensor({11}) : V::none(), affine ? V::tensor({11}) : V::none(), V::int_list(mask)};
}

TEST(NormBackward, PerElementByTheGradientsAsked) {
  const Count n = 3 * 7 * 11;
  // x_hat 2, input 1 + 3 + 4, weight 2, bias 1 = 13 per element.
  EXPECT_EQ(macs("default", "native_layer_norm_backward", ln_backward(true, {1, 1, 1})), n * 13);
  // No affine transform: x_hat 2 + input 3 + 4 = 9.
  EXPECT_EQ(macs("default", "native_layer_norm_backward", ln_backward(false, {1, 0, 0})), n * 9);
  // A model input's norm: no input gradient; x_hat 2 + weight 2 + bias 1 = 5.
  EXPECT_EQ(macs("default", "native_layer_norm_backward", ln_backward(true, {0, 1, 1})), n * 5);
  EXPECT_EQ(macs("mmengine", "native_layer_norm_backward", ln_backward(true, {1, 1, 1})), -1);
}

TEST(NormBackward, EvalBatchNormScalesOnly) {
  // native_batch_norm_backward(grad_out, input, weight, running_mean, running_var, save_mean, save_invstd, train,
  // eps, output_mask), x [2, 5, 3, 7]. Training: 13 per element; eval: dx = g * (gamma * invstd), 1 per element,
  // and with the weight's and bias's gradients x_hat 2 + 2 + 1 more.
  auto bn = [](bool train, std::vector<std::int64_t> mask) {
    return std::vector<Value>{V::tensor({2, 5, 3, 7}), V::tensor({2, 5, 3, 7}), V::tensor({5}), V::tensor({5}),
                              V::tensor({5}), V::tensor({5}), V::tensor({5}), V::boolean(train), V::real(1e-5),
                              V::int_list(mask)};
  };
  const Count n = 2 * 5 * 3 * 7;
  EXPECT_EQ(macs("default", "native_batch_norm_backward", bn(true, {1, 1, 1})), n * 13);
  EXPECT_EQ(macs("default", "native_batch_norm_backward", bn(false, {1, 0, 0})), n * 1);
  EXPECT_EQ(macs("default", "native_batch_norm_backward", bn(false, {1, 1, 1})), n * (2 + 1 + 2 + 1));
}

}  // namespace
}  // namespace flopscope

namespace flopscope {
namespace {

using namespace test;

TEST(Norm, RmsNormPerElementAndPerRow) {
  // rms_norm(x[3,7,11], [11], weight, eps): 3 x 7 = 21 rows of 11. Per element the square, the mean's sum, the
  // scaling by 1/rms and the weight's multiply (4); per row the eps add and the rsqrt (2).
  const Count n = 3 * 7 * 11, rows = 3 * 7;
  EXPECT_EQ(macs("default", "rms_norm", {V::tensor({3, 7, 11}), V::int_list({11}), V::tensor({11}), V::none()}),
            4 * n + 2 * rows);
  // No weight (elementwise_affine=False): 3 per element. Normalised over the last two dimensions: 3 rows of 77.
  EXPECT_EQ(macs("all", "rms_norm", {V::tensor({3, 7, 11}), V::int_list({7, 11}), V::none(), V::real(1e-6)}),
            3 * n + 2 * 3);
  // CUDA's kernel, the same arguments.
  EXPECT_EQ(macs("default", "_fused_rms_norm", {V::tensor({3, 7, 11}), V::int_list({11}), V::tensor({11}), V::none()}),
            4 * n + 2 * rows);
  // mmengine has no formula for it: unsupported, as its trace names it.
  EXPECT_EQ(macs("mmengine", "rms_norm", {V::tensor({3, 7, 11}), V::int_list({11}), V::tensor({11}), V::none()}), -1);
  // A normalized_shape longer than the input's rank is no RMSNorm: an error, not a count.
  EXPECT_THROW(macs("default", "rms_norm", {V::tensor({11}), V::int_list({7, 11}), V::none(), V::none()}),
               FormulaError);
}

TEST(NormBackward, RmsNormByTheGradientsAsked) {
  // _fused_rms_norm_backward(grad_out, input, normalized_shape, rstd, weight, output_mask), x [3, 7, 11].
  auto rms = [](bool weight, std::vector<std::int64_t> mask) {
    return std::vector<Value>{V::tensor({3, 7, 11}), V::tensor({3, 7, 11}), V::int_list({11}), V::tensor({3, 7, 1}),
                              weight ? V::tensor({11}) : V::none(), V::int_list(mask)};
  };
  const Count n = 3 * 7 * 11;
  // x_hat 1, input 1 + 2 + 3, weight 2 = 9 per element.
  EXPECT_EQ(macs("default", "_fused_rms_norm_backward", rms(true, {1, 1})), n * 9);
  // No weight: x_hat 1 + input 2 + 3 = 6.
  EXPECT_EQ(macs("default", "_fused_rms_norm_backward", rms(false, {1, 0})), n * 6);
  // A model input's norm: the weight's gradient alone, x_hat 1 + 2 = 3.
  EXPECT_EQ(macs("default", "_fused_rms_norm_backward", rms(true, {0, 1})), n * 3);
  EXPECT_EQ(macs("mmengine", "_fused_rms_norm_backward", rms(true, {1, 1})), -1);
}

}  // namespace
}  // namespace flopscope
