// Convolutions (src/count/conv.cpp): plain, grouped, transposed, 1-D and 3-D; default's other convolution forms, and torch.ao's quantized ones. On hand-built records at odd shapes, with the arithmetic written out.
#include <gtest/gtest.h>

#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), flops(), acts(), macs(), V

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
  EXPECT_EQ(test::mmengine_ops().flops.at("aten::_convolution").key, "conv");
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

// torch's Python meta kernel answers aten::convolution without calling aten::_convolution, so a shape-only forward
// of a live module shows mmengine's op set no _convolution: that set counts convolution too, the same way.
TEST(Conv, MmengineCountsConvolutionAsUnderscoreConvolution) {
  // convolution(x[2,3,17,11], W[8,3,3,5], bias, stride, padding, dilation, transposed, output_padding, groups)
  // -> [2,8,15,7]: 2 * 360 * 105, activations 2 * 8 * 15 * 7; transposed x[1,4,5,7], W[4,3,3,3]: 108 * 35.
  auto args = [](std::vector<std::int64_t> x, std::vector<std::int64_t> w, bool transposed) {
    return std::vector<Value>{V::tensor(x), V::tensor(w), V::none(), V::int_list({1, 1}), V::int_list({0, 0}),
                              V::int_list({1, 1}), V::boolean(transposed), V::int_list({0, 0}), V::integer(1)};
  };
  const auto plain = op("aten::convolution", args({2, 3, 17, 11}, {8, 3, 3, 5}, false), {V::tensor({2, 8, 15, 7})});
  EXPECT_EQ(flops(plain), 2 * 360 * 105);
  EXPECT_EQ(acts(plain), 2 * 8 * 15 * 7);
  EXPECT_EQ(macs("mmengine", "convolution", args({1, 4, 5, 7}, {4, 3, 3, 3}, true), {V::tensor({1, 3, 7, 9})}),
            108 * 35);
}

TEST(Conv, DefaultCountsEveryConvolutionForm) {
  // conv2d(x[2,3,17,11], W[8,3,3,5]) -> [2,8,15,7]: 2 * 360 * 105.
  std::vector<Value> conv2d = {V::tensor({2, 3, 17, 11}), V::tensor({8, 3, 3, 5}), V::none(), V::int_list({1, 1}),
                               V::int_list({0, 0}), V::int_list({1, 1}), V::integer(1)};
  EXPECT_EQ(macs("mmengine", "conv2d", conv2d, {V::tensor({2, 8, 15, 7})}), -1);
  EXPECT_EQ(macs("default", "conv2d", conv2d, {V::tensor({2, 8, 15, 7})}), 2 * 360 * 105);
  // Unbatched conv1d: x[5,19], W[7,5,3] -> [7,17]: 1 * 105 * 17.
  EXPECT_EQ(macs("default", "conv1d", {V::tensor({5, 19}), V::tensor({7, 5, 3})}, {V::tensor({7, 17})}), 105 * 17);
  // conv_transpose2d: x[1,4,5,7], W[4,3,3,3] -> [1,3,7,9]: runs over the 5*7 input positions.
  EXPECT_EQ(macs("default", "conv_transpose2d", {V::tensor({1, 4, 5, 7}), V::tensor({4, 3, 3, 3})},
                 {V::tensor({1, 3, 7, 9})}),
            108 * 35);
  // cudnn_convolution with groups=2: x[3,4,6,6], W[6,2,3,3] -> [3,6,4,4]: 3 * 108 * 16.
  EXPECT_EQ(macs("default", "cudnn_convolution", {V::tensor({3, 4, 6, 6}), V::tensor({6, 2, 3, 3})},
                 {V::tensor({3, 6, 4, 4})}),
            3 * 108 * 16);
}

// torch.ao's quantized convolutions, their packed weight recorded as the tensor it unpacks to (capture/packed_weight.h).
Count quantized(const std::string& set, const std::string& name, std::vector<Value> in, std::vector<std::int64_t> out) {
  const OpSet& s = named_ops(set);
  const auto it = s.flops.find("quantized::" + name);
  if (it == s.flops.end()) return -1;  // no formula in this set
  return it->second.formula(op("quantized::" + name, std::move(in), {V::tensor(std::move(out))}));
}

TEST(QuantizedConv, CountedByTheUnpackedWeight) {
  // quantized::conv2d(qx, packed W, scale, zero point): x [2,6,9,13], W [4,3,3,5] (groups 2) -> out [2,4,7,9]:
  // 2 * 180 * 63.
  const std::vector<Value> conv2d = {V::tensor({2, 6, 9, 13}), V::tensor({4, 3, 3, 5}), V::real(0.1), V::integer(0)};
  EXPECT_EQ(quantized("default", "conv2d", conv2d, {2, 4, 7, 9}), 2 * (4 * 3 * 3 * 5) * (7 * 9));
  EXPECT_EQ(quantized("mmengine", "conv2d", conv2d, {2, 4, 7, 9}), -1);  // mmengine leaves it unsupported
  // conv1d's weight is packed as a 2-d one, [Cout, Cin, 1, k]: x [3,5,19], W [7,5,1,3] -> out [3,7,17].
  EXPECT_EQ(quantized("default", "conv1d", {V::tensor({3, 5, 19}), V::tensor({7, 5, 1, 3}), V::real(0.1),
                                            V::integer(0)}, {3, 7, 17}),
            3 * (7 * 5 * 3) * 17);
  // conv2d_add(qx, qaccum, packed W, ...): the weight is the third argument. x [1,3,8,8], W [2,3,3,3] -> [1,2,6,6].
  EXPECT_EQ(quantized("default", "conv2d_add", {V::tensor({1, 3, 8, 8}), V::tensor({1, 2, 6, 6}),
                                                V::tensor({2, 3, 3, 3}), V::real(0.1), V::integer(0)}, {1, 2, 6, 6}),
            1 * (2 * 3 * 3 * 3) * (6 * 6));
  // Transposed: x [1,4,5,7], W [4,3,2,2] -> out [1,3,10,14]: the kernel runs over the input, 1 * 48 * 35.
  EXPECT_EQ(quantized("default", "conv_transpose2d", {V::tensor({1, 4, 5, 7}), V::tensor({4, 3, 2, 2}), V::real(0.1),
                                                      V::integer(0)}, {1, 3, 10, 14}),
            1 * (4 * 3 * 2 * 2) * (5 * 7));
  // A weight that could not be unpacked stays an object: refused (the op is reported uncounted), not counted 0.
  EXPECT_THROW(quantized("default", "conv2d", {V::tensor({2, 6, 9, 13}), V::other(), V::real(0.1), V::integer(0)},
                         {2, 4, 7, 9}),
               std::exception);
}

}  // namespace
}  // namespace flopscope

namespace flopscope {
namespace {

using namespace test;

// convolution_backward(grad_output, input, weight, bias_sizes, stride, padding, dilation, transposed,
//                      output_padding, groups, output_mask)
std::vector<Value> conv_backward(std::vector<std::int64_t> g, std::vector<std::int64_t> x, std::vector<std::int64_t> w,
                                 bool transposed, std::int64_t groups, std::vector<std::int64_t> mask) {
  return {V::tensor(g), V::tensor(x), V::tensor(w), V::int_list({w[0]}), V::int_list({1, 1}), V::int_list({0, 0}),
          V::int_list({1, 1}), V::boolean(transposed), V::int_list({0, 0}), V::integer(groups), V::int_list(mask)};
}

TEST(ConvBackward, OneForwardConvolutionPerGradient) {
  // Forward x [2,3,17,11], W [8,3,3,5] -> out [2,8,15,7]: 2 * 360 * 105 MACs. The input's and the weight's
  // gradients are one such convolution each; the bias's is a sum.
  const Count forward = 2 * (8 * 3 * 3 * 5) * (15 * 7);
  const auto g = std::vector<std::int64_t>{2, 8, 15, 7}, x = std::vector<std::int64_t>{2, 3, 17, 11},
             w = std::vector<std::int64_t>{8, 3, 3, 5};
  EXPECT_EQ(macs("default", "convolution_backward", conv_backward(g, x, w, false, 1, {1, 1, 1})), 2 * forward);
  EXPECT_EQ(macs("default", "convolution_backward", conv_backward(g, x, w, false, 1, {0, 1, 1})), forward);  // model input
  EXPECT_EQ(macs("default", "convolution_backward", conv_backward(g, x, w, false, 1, {1, 0, 0})), forward);  // frozen
  EXPECT_EQ(macs("mmengine", "convolution_backward", conv_backward(g, x, w, false, 1, {1, 1, 1})), -1);
}

TEST(ConvBackward, GroupedAndTransposed) {
  // Depthwise, groups = 6: W [6,1,3,3], x [1,6,9,13] -> out [1,6,7,11]: 1 * 54 * 77 per gradient (the groups are
  // in the weight's shape, for the weight's gradient as for the input's).
  EXPECT_EQ(macs("default", "convolution_backward",
                 conv_backward({1, 6, 7, 11}, {1, 6, 9, 13}, {6, 1, 3, 3}, false, 6, {1, 1, 0})),
            2 * (1 * (6 * 1 * 3 * 3) * (7 * 11)));
  // Transposed: x [1,4,5,7], W [4,3,3,3] -> out [1,3,7,9]: the kernel runs over the input, 1 * 108 * 35.
  EXPECT_EQ(macs("default", "convolution_backward",
                 conv_backward({1, 3, 7, 9}, {1, 4, 5, 7}, {4, 3, 3, 3}, true, 1, {0, 1, 0})),
            1 * (4 * 3 * 3 * 3) * (5 * 7));
}

}  // namespace
}  // namespace flopscope
