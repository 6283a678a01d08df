// Seed example 2: torchvision's ResNet-50 in training mode at input shape (3, 224, 224). Expected values:
// the seed's printed summary and the per-row values of mmengine's documented table, with the arithmetic
// from ../shared/reference/mmengine-behaviour.md §12 written out below.
#include <gtest/gtest.h>

#include "flopscope/models.h"
#include "test_support.h"

namespace flopscope {
namespace {

// 53 convs 4,087,136,256 + 53 training-mode batch norms 5 x 11,113,984 + adaptive_avg_pool2d 2048*7*7
// + fc 2048*1000.
constexpr Count kFlops = 4087136256LL + 5LL * 11113984LL + 2048LL * 7 * 7 + 2048LL * 1000;
// convs 23,454,912 + batch-norm gammas and betas 53,120 + fc 2048*1000 + 1000.
constexpr Count kParams = 23454912LL + 53120LL + 2048LL * 1000 + 1000;
// conv outputs 11,113,984 + fc output 1000.
constexpr Count kActivations = 11113984LL + 1000;

void expect_seed_example_2(const ComplexityInfo& info) {
  static_assert(kFlops == 4144854528LL && kParams == 25557032LL && kActivations == 11114984LL);
  EXPECT_EQ(info.flops, kFlops);
  EXPECT_EQ(info.flops_str, "4.145G");
  EXPECT_EQ(info.params, kParams);
  EXPECT_EQ(info.params_str, "25.557M");
  EXPECT_EQ(info.activations, kActivations);
  EXPECT_EQ(info.activations_str, "11.115M");

  using Row = std::vector<std::string>;
  // conv1: 64*3*7*7 = 9408 params; 112*112*9408 = 118,013,952 MACs; 64*112*112 = 802,816 activations.
  EXPECT_EQ(test::table_row(info.out_table, "conv1"), (Row{"conv1", "9.408K", "0.118G", "0.803M"}));
  // bn1: 2*64 params; training mode: 5 * 64*112*112 = 4,014,080 MACs; no activations.
  EXPECT_EQ(test::table_row(info.out_table, "bn1"), (Row{"bn1", "0.128K", "4.014M", "0"}));
  // layer1.0.bn1: 5 * 64*56*56 = 1,003,520.
  EXPECT_EQ(test::table_row(info.out_table, "layer1.0.bn1")[2], "1.004M");
  // fc: 2,049,000 params, 2,048,000 MACs, 1000 outputs.
  EXPECT_EQ(test::table_row(info.out_table, "fc"), (Row{"fc", "2.049M", "2.048M", "1K"}));
  // avgpool: no parameters (blank), 2048*7*7 = 100,352 MACs, and it is the last row (parameterless modules
  // come after every module reached through parameters).
  EXPECT_EQ(test::table_row(info.out_table, "avgpool"), (Row{"avgpool", "", "0.1M", "0"}));
  auto last_row_start = info.out_table.rfind("\n|");
  ASSERT_NE(last_row_start, std::string::npos);
  EXPECT_EQ(info.out_table.compare(last_row_start, 12, "\n|  avgpool "), 0);
  // Arch totals use 2 decimals.
  EXPECT_NE(info.out_arch.find("#params: 25.56M, #flops: 4.14G, #acts: 11.11M"), std::string::npos);
}

// mmengine's warnings: max_pool2d and the in-place adds (16 residual + 53 num_batches_tracked increments)
// have no formula.
void expect_unsupported_warnings(const ComplexityInfo& info) {
  auto has = [&](const std::string& w) {
    return std::find(info.warnings.begin(), info.warnings.end(), w) != info.warnings.end();
  };
  EXPECT_TRUE(has("Unsupported operator aten::max_pool2d encountered 1 time(s)"));
  EXPECT_TRUE(has("Unsupported operator aten::add_ encountered 69 time(s)"));
}

TEST(SeedExample2, TracedResNet50) {
  auto model = test::load_fixture("resnet50_traced.pt");
  ASSERT_TRUE(model.is_training());
  auto info = get_model_complexity_info(model, {3, 224, 224});
  expect_seed_example_2(info);
  expect_unsupported_warnings(info);
  EXPECT_NE(info.out_arch.find("(conv1): Conv2d("), std::string::npos);
}

TEST(SeedExample2, ScriptedResNet50) {
  auto model = test::load_fixture("resnet50_scripted.pt");
  auto info = get_model_complexity_info(model, {3, 224, 224});
  expect_seed_example_2(info);
  expect_unsupported_warnings(info);
  // Scripting keeps the constructor arguments, so the arch prints like print(model).
  EXPECT_NE(info.out_arch.find("(conv1): Conv2d(\n    3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), "
                               "bias=False\n    #params: 9.41K, #flops: 0.12G, #acts: 0.8M\n  )"),
            std::string::npos)
      << info.out_arch.substr(0, 400);
  EXPECT_NE(info.out_arch.find("(relu): ReLU(inplace=True)"), std::string::npos);
}

TEST(SeedExample2, BuiltinCppResNet50) {
  auto builtin = models::make_builtin("resnet50");
  Options o;
  o.input_shape = {3, 224, 224};
  auto info = analyze(*builtin.module, builtin.forward, o);
  expect_seed_example_2(info);
  expect_unsupported_warnings(info);
}

}  // namespace
}  // namespace flopscope
