// Calls on nested tensors (src/count/nested.cpp): counted once per component, each a batch of one. On hand-built
// records, with the arithmetic written out.
#include <gtest/gtest.h>

#include <algorithm>

#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), named_ops(), V

// A nested tensor of these components: its sizes are the padded shape, its shapes the components'.
Value nested(std::vector<std::vector<std::int64_t>> components) {
  Value v = V::tensor({static_cast<std::int64_t>(components.size())});
  for (std::size_t d = 0; d < components.front().size(); ++d) {
    std::int64_t most = 0;
    for (const auto& c : components) most = std::max(most, c[d]);
    v.sizes.push_back(most);
  }
  v.shapes = std::move(components);
  return v;
}

Count count(const std::string& op_name, std::vector<Value> in, std::vector<Value> out = {}) {
  const OpRecord r = op("aten::" + op_name, std::move(in), std::move(out));
  return count_call(named_ops("default").flops.at(r.name).formula, r);
}

TEST(Nested, ALinearCountsTheTokensThereAre) {
  // Three sequences of 4, 2 and 5 tokens of width 6 into 7: (4 + 2 + 5) * 6 * 7, where the padded [3, 5, 6]
  // would read 15 tokens.
  const Value x = nested({{4, 6}, {2, 6}, {5, 6}});
  EXPECT_EQ(x.sizes, (std::vector<std::int64_t>{3, 5, 6}));
  EXPECT_TRUE(x.is_nested());
  EXPECT_EQ(count("linear", {x, V::tensor({7, 6}), V::none()}), (4 + 2 + 5) * 6 * 7);
}

TEST(Nested, TheMultiHeadAttentionFastPathCountsEachSequenceOwnPairs) {
  // q = k = v nested, E = 8: per sequence of L tokens, B*(2*L*E*E + 2*L*E*E + 2*L*L*E) with B = 1.
  const Value q = nested({{3, 8}, {5, 8}});
  auto mha = [](std::int64_t L) { return 2 * L * 64 + 2 * L * 64 + 2 * L * L * 8; };
  EXPECT_EQ(count("_native_multi_head_attention", {q, q, q}), mha(3) + mha(5));
}

TEST(Nested, PlainCallsAreTheFormulaAndMismatchedBatchesAreRefused) {
  EXPECT_EQ(count("linear", {V::tensor({2, 5, 6}), V::tensor({7, 6}), V::none()}), 2 * 5 * 6 * 7);
  // Outputs count too: a nested output of 2 components against a nested input of 3.
  EXPECT_THROW(count("linear", {nested({{4, 6}, {2, 6}, {5, 6}}), V::tensor({7, 6})}, {nested({{4, 7}, {2, 7}})}),
               FormulaError);
}

}  // namespace
}  // namespace flopscope
