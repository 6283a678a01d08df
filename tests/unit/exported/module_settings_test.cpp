// The layer settings an arch tree prints for a module of an exported graph, from hand-built records of the ops it
// ran and its tensors' shapes. Expected texts are what nn.Module's extra_repr attributes print in Python.
#include <gtest/gtest.h>

#include "exported/module_settings.h"

namespace flopscope::exported {
namespace {

OpRecord op(std::string name, std::vector<Value> inputs) {
  OpRecord r;
  r.name = std::move(name);
  r.inputs = std::move(inputs);
  return r;
}

TEST(ModuleSettings, LinearFromItsWeight) {
  const auto s = module_settings("Linear", {}, {{"weight", {32, 16}}});
  EXPECT_EQ(s.at("in_features"), "16");
  EXPECT_EQ(s.at("out_features"), "32");
  EXPECT_EQ(s.at("bias"), "False");
}

TEST(ModuleSettings, ConvFromItsConvolutionCall) {
  // Conv2d(3, 8, 3, stride=2, padding=1, groups=1): weight [8, 3, 3, 3].
  const OpRecord call = op("aten::_convolution",
                           {Value::tensor({1, 3, 16, 16}), Value::tensor({8, 3, 3, 3}), Value::none(),
                            Value::int_list({2, 2}), Value::int_list({1, 1}), Value::int_list({1, 1}),
                            Value::boolean(false), Value::int_list({0, 0}), Value::integer(1)});
  const auto s = module_settings("Conv2d", {&call}, {{"weight", {8, 3, 3, 3}}});
  EXPECT_EQ(s.at("in_channels"), "3");
  EXPECT_EQ(s.at("out_channels"), "8");
  EXPECT_EQ(s.at("kernel_size"), "(3, 3)");
  EXPECT_EQ(s.at("stride"), "(2, 2)");
  EXPECT_EQ(s.at("padding"), "(1, 1)");
  EXPECT_EQ(s.at("groups"), "1");
  EXPECT_EQ(s.at("bias"), "False");
  // Without its call the graph holds no stride: nothing is guessed.
  EXPECT_EQ(module_settings("Conv2d", {}, {{"weight", {8, 3, 3, 3}}}).count("stride"), 0u);
}

TEST(ModuleSettings, LstmFromItsWeightsAndCall) {
  // nn.LSTM(64, 128, num_layers=2, bidirectional=True): gates 4 x 128 = 512 rows.
  const OpRecord call = op("aten::lstm", {Value::tensor({20, 3, 64}), Value::other(), Value::other(), Value::boolean(true),
                                          Value::integer(2), Value::real(0.0), Value::boolean(false),
                                          Value::boolean(true), Value::boolean(false)});
  const auto s = module_settings("LSTM", {&call},
                                 {{"weight_ih_l0", {512, 64}}, {"weight_hh_l0", {512, 128}}, {"weight_ih_l1", {512, 256}},
                                  {"weight_ih_l0_reverse", {512, 64}}, {"bias_ih_l0", {512}}});
  EXPECT_EQ(s.at("input_size"), "64");
  EXPECT_EQ(s.at("hidden_size"), "128");
  EXPECT_EQ(s.at("num_layers"), "2");
  EXPECT_EQ(s.at("bidirectional"), "True");
  EXPECT_EQ(s.at("bias"), "True");
  EXPECT_EQ(s.at("dropout"), "0.0");
  EXPECT_EQ(s.at("batch_first"), "False");
}

TEST(ModuleSettings, PoolSizesPrintAsPythonGaveThem) {
  const OpRecord pool = op("aten::max_pool2d", {Value::tensor({1, 8, 8, 8}), Value::int_list({3, 3}), Value::int_list({}),
                                                Value::int_list({1, 1}), Value::int_list({1, 1}), Value::boolean(false)});
  const auto s = module_settings("MaxPool2d", {&pool}, {});
  EXPECT_EQ(s.at("kernel_size"), "3");
  EXPECT_EQ(s.at("stride"), "3");  // an empty stride is the kernel's
  EXPECT_EQ(s.at("padding"), "1");
  EXPECT_EQ(s.at("ceil_mode"), "False");
}

}  // namespace
}  // namespace flopscope::exported
