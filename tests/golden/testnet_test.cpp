// Seed example 1: TestNet at input shape (1, 10). The expected table and arch are the listings printed in
// ../shared/seed/model_complexity_analysis.zh.md (mmengine's output), copied verbatim into tests/golden/.
#include <gtest/gtest.h>

#include "flopscope/models.h"
#include "test_support.h"

namespace flopscope {
namespace {

// The seed's two listings, verbatim (the arch file has no final newline, as mmengine's string has none).
std::string seed_table() { return test::read_golden("seed_testnet_table.txt"); }
std::string seed_arch() { return test::read_golden("seed_testnet_arch.txt"); }

// Each Linear(10, 10) on a (1, 1, 10) input: 10 x 10 = 100 MACs, 10 activations, 110 parameters.
void expect_seed_example_1(const ComplexityInfo& info) {
  EXPECT_EQ(info.out_table, "\n" + seed_table());
  EXPECT_EQ(info.out_arch, "\n" + seed_arch());
  EXPECT_EQ(info.flops, 4 * 100);
  EXPECT_EQ(info.flops_str, "0.4K");
  EXPECT_EQ(info.params, 4 * 110);
  EXPECT_EQ(info.params_str, "0.44K");
  EXPECT_EQ(info.activations, 40);
  EXPECT_EQ(info.activations_str, "40");
  EXPECT_TRUE(info.warnings.empty()) << info.warnings.front();
}

TEST(SeedExample1, CppFrontendTestNet) {
  models::TestNet model;
  auto info = get_model_complexity_info(model, {1, 10});
  expect_seed_example_1(info);
  // The C++ frontend runs t + matmul + add_ for a Linear; it is counted as Python's aten::linear.
  EXPECT_EQ(info.analysis.flops.by_operator().items(), (std::vector<std::pair<std::string, Count>>{{"linear", 400}}));
}

TEST(SeedExample1, ScriptedTestNet) {
  auto model = test::load_fixture("testnet_scripted.pt");
  expect_seed_example_1(get_model_complexity_info(model, {1, 10}));
}

TEST(SeedExample1, TracedTestNet) {
  auto model = test::load_fixture("testnet_traced.pt");
  expect_seed_example_1(get_model_complexity_info(model, {1, 10}));
}

// A module the caller has run before keeps the plans its methods built then, with optimisation on and the submodule
// calls inlined: the analysis must still place each Linear's ops on it (it runs a clone with methods of its own).
TEST(SeedExample1, ModulesRunBeforeTheAnalysis) {
  for (const char* file : {"testnet_scripted.pt", "testnet_traced.pt"}) {
    SCOPED_TRACE(file);
    auto model = test::load_fixture(file);
    for (int i = 0; i < 3; ++i) model.forward({torch::randn({1, 10})});
    expect_seed_example_1(get_model_complexity_info(model, {1, 10}));
  }
}

TEST(SeedExample1, FlagsOnlyBlankTheStrings) {
  models::TestNet model;
  auto info = get_model_complexity_info(model, {1, 10}, std::nullopt, /*show_table=*/false, /*show_arch=*/false);
  EXPECT_EQ(info.out_table, "");
  EXPECT_EQ(info.out_arch, "");
  EXPECT_EQ(info.flops, 400);
}

TEST(SeedExample1, InputsInsteadOfShape) {
  models::TestNet model;
  auto info = get_model_complexity_info(model, {}, std::vector<c10::IValue>{torch::randn({4, 10})});
  EXPECT_EQ(info.flops, 4 * 4 * 100);  // batch 4: every Linear sees 40 input elements x 10 outputs
  EXPECT_EQ(info.activations, 4 * 40);
}

}  // namespace
}  // namespace flopscope
