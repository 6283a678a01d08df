// Contractions beyond the plain matmul (src/count/contraction.cpp): _grouped_mm in every layout, tensordot,
// inner, linalg_multi_dot, bilinear, cdist. On hand-built records at odd shapes, with the arithmetic written out.
#include <gtest/gtest.h>

#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), macs(), named_ops(), V

TEST(Contraction, GroupedMmByOperandRanks) {
  // _grouped_mm, by operand ranks (K = 8, N = 12, 3 experts):
  EXPECT_EQ(macs("mmengine", "_grouped_mm", {V::tensor({13, 8}), V::tensor({3, 8, 12})}), -1);
  EXPECT_EQ(macs("default", "_grouped_mm", {V::tensor({13, 8}), V::tensor({3, 8, 12})}), 13 * 8 * 12);    // tokens
  EXPECT_EQ(macs("default", "_grouped_mm", {V::tensor({3, 5, 8}), V::tensor({3, 8, 12})}), 3 * 5 * 8 * 12);  // batched
  EXPECT_EQ(macs("default", "_grouped_mm", {V::tensor({3, 5, 8}), V::tensor({8, 12})}), 5 * 8 * 12);  // offs split N
  EXPECT_EQ(macs("default", "_grouped_mm", {V::tensor({5, 8}), V::tensor({8, 12})}), 5 * 8 * 12);     // offs split K
  EXPECT_THROW(macs("default", "_grouped_mm", {V::tensor({13, 7}), V::tensor({3, 8, 12})}), FormulaError);
  // _scaled_grouped_mm(A, B, scale_a, scale_b, offs, ...): FP8, the same product.
  EXPECT_EQ(macs("default", "_scaled_grouped_mm", {V::tensor({13, 8}), V::tensor({3, 8, 12}), V::tensor({13}),
                                                   V::tensor({3, 12}), V::tensor({3})}),
            13 * 8 * 12);
}

TEST(Contraction, Tensordot) {
  // tensordot(a[2,3,5,7], b[5,7,11], dims ([2,3],[0,1])): a's free 2*3 positions, each against all of b.
  EXPECT_EQ(macs("default", "tensordot", {V::tensor({2, 3, 5, 7}), V::tensor({5, 7, 11}), V::int_list({2, 3}),
                                          V::int_list({0, 1})}),
            2 * 3 * 5 * 7 * 11);
  EXPECT_EQ(macs("default", "tensordot", {V::tensor({2, 3, 5}), V::tensor({5, 4}), V::int_list({-1}), V::int_list({0})}),
            2 * 3 * 5 * 4);
}

TEST(Contraction, Inner) {
  // inner: a[2,3,5] with b[7,5] -> [2,3,7], 5 each; a 0-d operand is a product by a scalar.
  EXPECT_EQ(macs("default", "inner", {V::tensor({2, 3, 5}), V::tensor({7, 5})}), 2 * 3 * 7 * 5);
  EXPECT_EQ(macs("default", "inner", {V::tensor({}), V::tensor({7, 5})}), 7 * 5);
}

TEST(Contraction, MultiDot) {
  // multi_dot([v[3], M[3,4], N[4,2]]): a row [1,3] first; (vM)N = 1*3*4 + 1*4*2 beats v(MN) = 3*4*2 + 1*3*2.
  EXPECT_EQ(macs("default", "linalg_multi_dot", {V::tensor_list({{3}, {3, 4}, {4, 2}})}), 1 * 3 * 4 + 1 * 4 * 2);
  // Two matrices: one product.
  EXPECT_EQ(macs("default", "linalg_multi_dot", {V::tensor_list({{5, 3}, {3, 2}})}), 5 * 3 * 2);
}

TEST(Contraction, BilinearAndCdist) {
  // bilinear(x1[2,3,5], x2[2,3,7], W[4,5,7]): 6 rows; x1 with W, then with x2.
  EXPECT_EQ(macs("default", "bilinear", {V::tensor({2, 3, 5}), V::tensor({2, 3, 7}), V::tensor({4, 5, 7})}),
            6 * 4 * 5 * 7 + 6 * 4 * 7);
  // cdist(x1[2,5,3], x2[2,7,3]): 2 batches of 5 x 7 pairs, 3 coordinates.
  EXPECT_EQ(macs("default", "cdist", {V::tensor({2, 5, 3}), V::tensor({2, 7, 3})}), 2 * 5 * 7 * 3);
}

TEST(Contraction, AtOddShapes) {
  // multi_dot([A[7,3], B[3,5], c[5]]): the column end is [5,1], so the chain's dims are 7, 3, 5, 1.
  // (AB)c = 7*3*5 + 7*5*1; A(Bc) = 3*5*1 + 7*3*1, the cheaper.
  EXPECT_EQ(macs("default", "linalg_multi_dot", {V::tensor_list({{7, 3}, {3, 5}, {5}})}), 3 * 5 * 1 + 7 * 3 * 1);
  // Four matrices A[13,2] B[2,11] C[11,3] D[3,5], the five parenthesisations:
  // A(B(CD)) = 11*3*5 + 2*11*5 + 13*2*5 = 165 + 110 + 130 = 405; (A(BC))D = 2*11*3 + 13*2*3 + 13*3*5 = 66 + 78 + 195
  // = 339; A((BC)D) = 2*11*3 + 2*3*5 + 13*2*5 = 66 + 30 + 130 = 226; (AB)(CD) = 13*2*11 + 11*3*5 + 13*11*5 = 286
  // + 165 + 715 = 1166; ((AB)C)D = 13*2*11 + 13*11*3 + 13*3*5 = 286 + 429 + 195 = 910. A((BC)D) is the least.
  EXPECT_EQ(macs("default", "linalg_multi_dot", {V::tensor_list({{13, 2}, {2, 11}, {11, 3}, {3, 5}})}),
            2 * 11 * 3 + 2 * 3 * 5 + 13 * 2 * 5);
  // tensordot contracting a's first dim: a[7,3,5] over dim 0 with b[7,13]: free(a) = 3*5, numel(b) = 7*13.
  EXPECT_EQ(macs("default", "tensordot", {V::tensor({7, 3, 5}), V::tensor({7, 13}), V::int_list({0}), V::int_list({0})}),
            3 * 5 * 7 * 13);
  // inner of two vectors: numel(a) * numel(b) / n = 13 * 13 / 13.
  EXPECT_EQ(macs("default", "inner", {V::tensor({13}), V::tensor({13})}), 13);
  // bilinear on unbatched x1[5], x2[7], W[3,5,7]: N = 1.
  EXPECT_EQ(macs("default", "bilinear", {V::tensor({5}), V::tensor({7}), V::tensor({3, 5, 7})}),
            1 * 3 * 5 * 7 + 1 * 3 * 7);
  // cdist without a batch: x1[5,3], x2[13,3] -> B*P*R*M = 1*5*13*3.
  EXPECT_EQ(macs("default", "cdist", {V::tensor({5, 3}), V::tensor({13, 3})}), 1 * 5 * 13 * 3);
  // _grouped_mm batched with differing group counts, and a multi_dot of one matrix, are refused.
  EXPECT_THROW(macs("default", "_grouped_mm", {V::tensor({3, 5, 7}), V::tensor({2, 7, 13})}), FormulaError);
  EXPECT_THROW(macs("default", "linalg_multi_dot", {V::tensor_list({{5, 3}})}), FormulaError);
}

TEST(Contraction, ActivationsAreOutputElements) {
  auto r = op("aten::tensordot", {V::tensor({7, 3, 5}), V::tensor({7, 13}), V::int_list({0}), V::int_list({0})},
              {V::tensor({3, 5, 13})});
  EXPECT_EQ(named_ops("default").activations.at(r.name).formula(r), 3 * 5 * 13);
  EXPECT_EQ(named_ops("default").activations.at(r.name).key, "tensordot");
  EXPECT_EQ(named_ops("mmengine").activations.count(r.name), 0u);
}

}  // namespace
}  // namespace flopscope
