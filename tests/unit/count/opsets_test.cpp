// The op sets as a whole: default leaves mmengine's models unchanged, real TorchScript models (an LSTM, causal
// attention) whose ops only default and all count, mmengine's ignore and activation lists. Each family's
// formulas, in every set, are tested in that family's file (matmul_test.cpp, attention_test.cpp, ...).
#include <gtest/gtest.h>

#include <algorithm>

#include "flopscope/models.h"
#include "support/records.h"
#include "test_support.h"

namespace flopscope {
namespace {

TEST(OpSets, DefaultLeavesMmenginesModelsUnchanged) {
  // TestNet and ResNet-50 use no op that default adds: the same numbers as mmengine's (seed examples).
  for (const char* set : {"mmengine", "default"}) {
    auto r50 = models::make_builtin("resnet50");
    Options o;
    o.input_shape = {3, 224, 224};
    o.op_set = set;
    auto info = analyze(*r50.module, r50.forward, o);
    EXPECT_EQ(info.flops, 4144854528LL) << set;
    EXPECT_EQ(info.activations, 11114984LL) << set;
  }
}

TEST(OpSets, RealLstmAndCausalAttention) {
  auto lstm = test::load_fixture("lstm.pt");
  Options o;
  o.input_shape = {{7, 3, 5}};
  o.prepend_batch = false;
  o.op_set = "mmengine";
  auto info = analyze(lstm, o);
  EXPECT_EQ(info.flops, 0);
  ASSERT_FALSE(info.analysis.flops.unsupported.empty());
  EXPECT_EQ(info.analysis.flops.unsupported.items()[0].first, "aten::lstm");
  o.op_set = "default";
  const Count per_step = 2 * (16 * 5 + 16 * 4) + 2 * (16 * 8 + 16 * 4);
  EXPECT_EQ(analyze(lstm, o).flops, 7 * 3 * per_step);

  auto attention = test::load_fixture("causal_attention.pt");
  o.input_shape = {{2, 3, 5, 8}};
  // B = 6, L = S = 5 causal: 15 pairs, E = Ev = 8.
  EXPECT_EQ(analyze(attention, o).flops, 6 * 15 * 16);
  o.op_set = "all";
  EXPECT_EQ(analyze(attention, o).flops, 6 * 15 * 20);
}

TEST(OpSets, MmengineIgnoresAndActivations) {
  EXPECT_EQ(test::mmengine_ops().ignored.count("aten::relu_"), 1u);
  EXPECT_EQ(test::mmengine_ops().ignored.count("aten::add_"), 0u);
  EXPECT_EQ(test::mmengine_ops().activations.count("aten::batch_norm"), 0u);  // mmengine counts no activations for norms
  EXPECT_EQ(test::mmengine_ops().activations.count("aten::mm"), 0u);
  EXPECT_THROW(op_set_named("nope"), std::exception);
}

TEST(OpSets, OpsLookedInside) {
  auto has = [](const std::vector<std::string>& ops, const char* op) {
    return std::find(ops.begin(), ops.end(), op) != ops.end();
  };
  for (const char* set : {"mmengine", "default", "all"}) {
    const auto inside = ops_looked_inside(set);
    EXPECT_TRUE(std::is_sorted(inside.begin(), inside.end())) << set;
    // convolution has both formulas in every set: counting stops there. linear, layer_norm and reshape are not
    // ops torch.jit.trace records through, so nothing inside them is counted, formula or none.
    for (const char* whole : {"aten::convolution", "aten::_convolution", "aten::linear", "aten::layer_norm",
                              "aten::reshape"})
      EXPECT_FALSE(has(inside, whole)) << set << " " << whole;
    // conv1d: mmengine has no formula for it and counts the convolution it calls (as mmengine's traced graph
    // does); default and all count it where it is called, MACs and activations.
    const bool mmengine = std::string(set) == "mmengine";
    EXPECT_EQ(has(inside, "aten::conv1d"), mmengine) << set;
    EXPECT_EQ(has(inside, "aten::conv_transpose2d"), mmengine) << set;
    // No set has a formula for an LSTM cell: its linear layers inside are counted.
    EXPECT_TRUE(has(inside, "aten::lstm_cell")) << set;
    // ctc_loss is counted by the _ctc_loss it calls, in all only (the loss family's tier).
    EXPECT_EQ(has(inside, "aten::ctc_loss"), std::string(set) == "all") << set;
  }
  EXPECT_THROW(ops_looked_inside("nope"), InvalidInput);
}

}  // namespace
}  // namespace flopscope
