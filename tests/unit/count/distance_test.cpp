// Distances, similarities, matrix norms and small vector products (src/count/distance.cpp, all only; vecdot in
// contraction.cpp, default), pointwise math, integrals, torch.gradient and mvlgamma added to all (elementwise.cpp), two
// losses (loss.cpp), fractional max pooling (pool.cpp), and affine_grid_generator (resample.cpp, default). On
// hand-built records, with each op of ATen's implementation written out.
#include <gtest/gtest.h>

#include <cmath>

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

TEST(Distance, MatrixNorms) {
  // [3, 4, 5] over dims (0, 2): 60 elements; inf sums magnitudes along dim 2 (12 sums of 5), then the largest of
  // each 3; 1 sums along dim 0 (20 sums of 3), then the largest of each 5.
  const auto norm = [](Value ord, std::vector<std::int64_t> dims) {
    return macs("all", "linalg_matrix_norm", {V::tensor({3, 4, 5}), ord, V::int_list(dims), V::boolean(false)});
  };
  EXPECT_EQ(norm(V::real(INFINITY), {0, 2}), 60 + 60 / 5);
  EXPECT_EQ(norm(V::integer(1), {0, -1}), 60 + 60 / 3);
  EXPECT_EQ(norm(V::string("fro"), {0, 2}), 60);
  EXPECT_EQ(norm(V::none(), {}), 60);  // no ord: Frobenius over the last two dims
  // Singular values need an SVD: a formula error, counted as 0 and said, never a made-up number.
  EXPECT_THROW(norm(V::string("nuc"), {0, 2}), FormulaError);
  EXPECT_THROW(norm(V::real(2), {0, 2}), FormulaError);
  EXPECT_THROW(norm(V::integer(1), {0, 0}), FormulaError);
  // linalg_norm: a vector norm unless an ord comes with two dims (or a matrix and no dims).
  EXPECT_EQ(macs("all", "linalg_norm", {V::tensor({3, 4, 5}), V::none(), V::int_list({0, 1})}), 60);
  EXPECT_EQ(macs("all", "linalg_norm", {V::tensor({3, 4, 5}), V::integer(1), V::int_list({2})}), 60);
  EXPECT_EQ(macs("all", "linalg_norm", {V::tensor({4, 5}), V::real(-INFINITY), V::none()}), 20 + 20 / 5);
}

TEST(Distance, VectorDotProducts) {
  // vecdot of x[2, 1, 4] and y[3, 4]: broadcast to [2, 3, 4], one multiply-add per element (default on).
  EXPECT_EQ(macs("default", "linalg_vecdot", {V::tensor({2, 1, 4}), V::tensor({3, 4}), V::integer(-1)}), 2 * 3 * 4);
  EXPECT_THROW(macs("default", "linalg_vecdot", {V::tensor({2, 4}), V::tensor({3, 4}), V::integer(-1)}), FormulaError);
}

TEST(Distance, IntegralsAndLogGamma) {
  // trapezoid of y[3, 4] along dim 0 with x of y's shape: x's differences [2, 4] (8), per interval (8 of them)
  // the neighbours added, times dx, summed (24), each of the 4 lines halved.
  const std::vector<Value> with_x = {V::tensor({3, 4}), V::tensor({3, 4}), V::integer(0)};
  EXPECT_EQ(macs("all", "trapezoid", with_x), 8 + 3 * 8 + 4);
  EXPECT_EQ(macs("all", "cumulative_trapezoid", with_x), 8 + 4 * 8);
  // With a scalar dx along the last dim: the 12-element sum, then 4 per line of the 3.
  EXPECT_EQ(macs("all", "trapezoid", {V::tensor({3, 4}), V::real(0.1), V::integer(-1)}), 12 + 4 * 3);
  EXPECT_EQ(macs("all", "trapz", {V::tensor({3, 0}), V::real(0.1), V::integer(-1)}), 0);  // no samples: zeros
  // dim -2 is dim 0: the 12-element sum, then 4 per line of the 4; dims past -2 .. 1 are formula errors.
  EXPECT_EQ(macs("all", "trapezoid", {V::tensor({3, 4}), V::real(0.1), V::integer(-2)}), 12 + 4 * 4);
  for (std::int64_t dim : {2, -3})
    EXPECT_THROW(macs("all", "trapezoid", {V::tensor({3, 4}), V::real(0.1), V::integer(dim)}), FormulaError) << dim;
  // mvlgamma(x[2, 3], p = 4): 4 shifted copies of x, their lgamma and sum, the constant added.
  EXPECT_EQ(macs("all", "mvlgamma", {V::tensor({2, 3}), V::integer(4)}), 3 * 4 * 6 + 6);
  // multi_margin_loss of one vector of 7 classes (a 0-d target): margin - x[target], then 3 per class; the mean.
  EXPECT_EQ(macs("all", "multi_margin_loss", {V::tensor({7}), V::tensor({}), V::integer(1), V::integer(1), V::none(),
                                              V::integer(1)}),
            1 + 3 * 7);
  // fractional_max_pool2d of [1, 3, 10, 10] with 3 x 2 windows to 4 x 4: 48 outputs of 6 elements.
  EXPECT_EQ(macs("all", "fractional_max_pool2d", {V::tensor({1, 3, 10, 10}), V::int_list({3, 2}),
                                                  V::int_list({4, 4}), V::tensor({1, 3, 2})},
                 {V::tensor({1, 3, 4, 4}), V::tensor({1, 3, 4, 4})}),
            48 * 6);
}

TEST(Distance, Gradients) {
  const auto gradient = [](Value spacing, Value dims, std::int64_t edge_order, std::vector<std::int64_t> f = {3, 5}) {
    return macs("all", "gradient",
                {V::tensor(std::move(f)), std::move(spacing), std::move(dims), V::integer(edge_order)});
  };
  // torch.gradient(f[3, 5]) along both dims, spacing 1. Dim 0: 5 lines of 3, 1 interior point each (subtract,
  // divide by h, halve: 3 x 5), the two ends one-sided (subtract, divide: 2 x 2 x 5). Dim 1: 3 lines of 5.
  EXPECT_EQ(gradient(V::none(), V::none(), 1), (3 * 5 * 1 + 4 * 5) + (3 * 3 * 3 + 4 * 3));
  // edge_order 2: each end weighs three samples (3 products, 2 sums, a division: 6 per line).
  EXPECT_EQ(gradient(V::real(0.5), V::none(), 2), (3 * 5 * 1 + 12 * 5) + (3 * 3 * 3 + 12 * 3));
  // one dim, negative, as an int or a list; gradient.array has no spacing argument.
  EXPECT_EQ(gradient(V::integer(2), V::integer(-1), 1), 3 * 3 * 3 + 4 * 3);
  EXPECT_EQ(macs("all", "gradient", {V::tensor({3, 5}), V::int_list({1}), V::integer(1)}), 3 * 3 * 3 + 4 * 3);
  // Coordinates x[7] along dim 1 of f[2, 7]: x's 6 differences; per interior point (5) the coefficients a (4 ops),
  // b (3), c (3); per line (2) and interior point a f0 + b f1 + c f2 (5 ops); ends one-sided (2 per line each).
  const Value x = V::tensor_list({{7}});
  EXPECT_EQ(gradient(x, V::int_list({1}), 1, {2, 7}), 6 + 10 * 5 + 5 * 2 * 5 + 4 * 2);
  // edge_order 2: each end's three coefficients from two 0-d differences (13 ops at the start, 12 at the end),
  // then three products and two sums per line.
  EXPECT_EQ(gradient(x, V::integer(1), 2, {2, 7}), 6 + 10 * 5 + 5 * 2 * 5 + 2 * 5 * 2 + 13 + 12);
  // The smallest dims ATen allows: 2 samples with edge_order 1 (no interior point), 3 with edge_order 2.
  EXPECT_EQ(gradient(V::none(), V::integer(0), 1, {2, 4}), 4 * 4);
  EXPECT_EQ(gradient(V::none(), V::integer(0), 2, {3, 4}), 3 * 4 + 12 * 4);
  EXPECT_THROW(gradient(V::none(), V::integer(0), 2, {2, 4}), FormulaError);  // too short for edge_order 2
  EXPECT_THROW(gradient(V::none(), V::none(), 3), FormulaError);
  EXPECT_THROW(gradient(V::none(), V::integer(2), 1), FormulaError);
  EXPECT_THROW(gradient(V::tensor_list({{3}, {5}}), V::integer(1), 1), FormulaError);  // two coordinates, one dim
}

}  // namespace
}  // namespace flopscope
