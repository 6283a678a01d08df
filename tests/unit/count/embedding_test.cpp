// Embeddings (src/count/embedding.cpp, default and all): a lookup is 0 MACs but counted, a bag adds
// numel(indices) * D. On hand-built records at odd shapes, with the arithmetic written out.
#include <gtest/gtest.h>

#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), macs(), named_ops(), V

TEST(Embedding, LookupAndBag) {
  EXPECT_EQ(macs("default", "embedding", {V::tensor({100, 6}), V::tensor({2, 13})}), 0);
  EXPECT_EQ(macs("default", "embedding_bag", {V::tensor({100, 6}), V::tensor({13}), V::tensor({3})}), 13 * 6);
}

TEST(Embedding, BagAtOddShapes) {
  // numel(indices) * D: weight[97, 7], 2-D indices [3, 13] (fixed-size bags, no offsets).
  EXPECT_EQ(macs("default", "embedding_bag", {V::tensor({97, 7}), V::tensor({3, 13}), V::none()}), 3 * 13 * 7);
  // _embedding_bag, the op embedding_bag calls: weight[31, 5], 11 indices in 3 bags.
  EXPECT_EQ(macs("default", "_embedding_bag", {V::tensor({31, 5}), V::tensor({11}), V::tensor({3})}), 11 * 5);
  EXPECT_EQ(macs("all", "_embedding_bag", {V::tensor({31, 5}), V::tensor({11}), V::tensor({3})}), 11 * 5);
  // The weight must be [V, D].
  EXPECT_THROW(macs("default", "embedding_bag", {V::tensor({97}), V::tensor({13}), V::tensor({3})}), FormulaError);
}

TEST(Embedding, LookupIsCountedNotUnsupported) {
  // mmengine has no formula for any of them; default and all count a lookup as 0 whatever its shapes.
  for (const char* name : {"embedding", "embedding_bag", "_embedding_bag"})
    EXPECT_EQ(named_ops("mmengine").flops.count(std::string("aten::") + name), 0u) << name;
  EXPECT_EQ(macs("all", "embedding", {V::tensor({97, 13}), V::tensor({5, 7, 3})}), 0);
  EXPECT_EQ(named_ops("default").flops.at("aten::embedding").key, "embedding");
  EXPECT_EQ(named_ops("default").flops.at("aten::_embedding_bag").key, "embedding_bag");
}

}  // namespace
}  // namespace flopscope

namespace flopscope {
namespace {

using namespace test;

TEST(EmbeddingBackward, OneAddPerGradientElement) {
  // grad_output [2, 9, 11] into a [97, 11] table: 2 * 9 * 11 adds.
  std::vector<Value> in = {V::tensor({2, 9, 11}), V::tensor({2, 9}), V::integer(97), V::integer(-1), V::boolean(false)};
  EXPECT_EQ(macs("default", "embedding_dense_backward", in), 2 * 9 * 11);
  EXPECT_EQ(macs("mmengine", "embedding_dense_backward", in), -1);
}

}  // namespace
}  // namespace flopscope
