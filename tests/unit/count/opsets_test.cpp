// The op sets as a whole: default leaves mmengine's models unchanged, real TorchScript models (an LSTM, causal
// attention) whose ops only default and all count, mmengine's ignore and activation lists. Each family's
// formulas, in every set, are tested in that family's file (matmul_test.cpp, attention_test.cpp, ...).
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace flopscope
