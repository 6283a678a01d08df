// Distances, similarities and small vector products (src/count/distance.cpp, all only), pointwise math added to
// all (elementwise.cpp), and affine_grid_generator (resample.cpp, default). On hand-built records, with each op
// of ATen's implementation written out.
#include <gtest/gtest.h>

#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), macs(), V

TEST(Distance, SimilaritiesAndDistances) {
  const Count n = 4 * 9;
  // cosine_similarity over dim 1 of [4, 9]: two norms (n each), each clamped per row (4), two divisions (n each),
  // the product (n), the sum (n).
  EXPECT_EQ(macs("all", "cosine_similarity", {V::tensor({4, 9}), V::tensor({4, 9}), V::integer(1), V::real(1e-8)},
                 {V::tensor({4})}),
            n + n + 4 + 4 + n + n + n + n);
  // a row against a batch: the broadcast size counts.
  EXPECT_EQ(macs("all", "cosine_similarity", {V::tensor({1, 9}), V::tensor({4, 9}), V::integer(1), V::real(1e-8)},
                 {V::tensor({4})}),
            6 * n + 2 * 4);
  // pairwise_distance: x1 - x2, + eps, the norm; dist: x - y, the norm.
  EXPECT_EQ(macs("all", "pairwise_distance", {V::tensor({4, 9}), V::tensor({4, 9}), V::real(2), V::real(1e-6),
                                              V::boolean(false)}),
            n + n + n);
  EXPECT_EQ(macs("all", "dist", {V::tensor({4, 9}), V::tensor({9}), V::real(2)}), n + n);
  // pdist of 5 rows of 7: 10 pairs, each 7 differences, powers and sums, then a root.
  EXPECT_EQ(macs("all", "_pdist_forward", {V::tensor({5, 7}), V::real(2)}), 10 * (7 + 7 + 7) + 10);
  // renorm of [4, 9] along dim 0 (4 slices): the norms (n), per slice norm + 1e-7 and the factor, the scaling.
  EXPECT_EQ(macs("all", "renorm", {V::tensor({4, 9}), V::real(2), V::integer(0), V::real(1)}), n + 2 * 4 + n);
  // cross of 6 three-vectors: per component two products and a difference.
  EXPECT_EQ(macs("all", "linalg_cross", {V::tensor({6, 3}), V::tensor({6, 3}), V::integer(-1)}, {V::tensor({6, 3})}),
            6 * 3 * 3);
  EXPECT_EQ(macs("all", "trace", {V::tensor({5, 7})}), 5);
  for (const char* set : {"mmengine", "default"})
    EXPECT_EQ(macs(set, "cosine_similarity", {V::tensor({4, 9}), V::tensor({4, 9}), V::integer(1)}, {V::tensor({4})}),
              -1)
        << set;
  EXPECT_THROW(macs("all", "renorm", {V::tensor({4, 9}), V::real(2), V::integer(2), V::real(1)}), FormulaError);
  EXPECT_THROW(macs("all", "_pdist_forward", {V::tensor({5})}), FormulaError);
}

TEST(Distance, AffineGridIsTheBatchedProductTorchRuns) {
  // 2 thetas [2, 3] for a 5 x 7 grid: 35 points, each (x, y, 1) times 2 rows of 3. 3-D: (x, y, z, 1) by 3 rows.
  EXPECT_EQ(macs("default", "affine_grid_generator", {V::tensor({2, 2, 3}), V::int_list({2, 4, 5, 7}),
                                                      V::boolean(false)}),
            2 * 5 * 7 * 2 * 3);
  EXPECT_EQ(macs("default", "affine_grid_generator", {V::tensor({1, 3, 4}), V::int_list({1, 4, 2, 5, 7}),
                                                      V::boolean(false)}),
            1 * 2 * 5 * 7 * 3 * 4);
  EXPECT_EQ(macs("mmengine", "affine_grid_generator", {V::tensor({2, 2, 3}), V::int_list({2, 4, 5, 7})}), -1);
  EXPECT_THROW(macs("default", "affine_grid_generator", {V::tensor({2, 2, 3}), V::int_list({2, 4})}), FormulaError);
}

TEST(Distance, MorePointwiseMathAndShuffles) {
  for (const char* name : {"fmax", "copysign", "heaviside", "kron", "addr", "quantile", "clip"})
    EXPECT_EQ(macs("all", name, {V::tensor({4, 9}), V::tensor({4, 9})}, {V::tensor({4, 9})}), 4 * 9) << name;
  EXPECT_EQ(macs("all", "count_nonzero", {V::tensor({4, 9})}, {V::tensor({})}), 4 * 9);
  for (const char* set : {"default", "all"})
    for (const char* name : {"aten::pixel_shuffle", "aten::pixel_unshuffle", "aten::channel_shuffle", "aten::frexp"})
      EXPECT_TRUE(named_ops(set).ignored.count(name)) << set << " " << name;
}

}  // namespace
}  // namespace flopscope
