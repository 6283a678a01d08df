// Dense linear algebra (src/count/linalg.cpp, default and all), in LAPACK Working Note 41's multiplications.
// Triangular solves: per right-hand side, m(m-1)/2 multiply-adds through the off-diagonal coefficients and m
// divisions unless the diagonal is ones. Factorizations and the solves built on them, per column of the
// elimination. On hand-built records, the arithmetic written out.
#include <gtest/gtest.h>

#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), macs(), named_ops(), V

TEST(SolveTriangular, LeftRightAndUnitDiagonal) {
  // A[7, 7] X = B[7, 3]: 3 right-hand sides, 7*6/2 = 21 products each, and 7 divisions.
  const std::vector<V> in = {V::tensor({7, 7}), V::tensor({7, 3}), V::boolean(false), V::boolean(true), V::boolean(false)};
  EXPECT_EQ(macs("default", "linalg_solve_triangular", in, {V::tensor({7, 3})}), 3 * (21 + 7));
  // unitriangular=True (the gated delta rule's I + strictly lower system): no divisions.
  const std::vector<V> unit = {V::tensor({7, 7}), V::tensor({7, 3}), V::boolean(false), V::boolean(true), V::boolean(true)};
  EXPECT_EQ(macs("default", "linalg_solve_triangular", unit, {V::tensor({7, 3})}), 3 * 21);
  // left=False, X[5, 7] A[7, 7] = B: the 5 rows of B are the right-hand sides.
  const std::vector<V> right = {V::tensor({7, 7}), V::tensor({5, 7}), V::boolean(true), V::boolean(false), V::boolean(false)};
  EXPECT_EQ(macs("all", "linalg_solve_triangular", right, {V::tensor({5, 7})}), 5 * (21 + 7));
}

TEST(SolveTriangular, BroadcastBatchAndTheOlderOp) {
  // A[2, 64, 64] against B[3, 1, 64, 16]: the solution is [3, 2, 64, 16], 6 systems of 16 right-hand sides,
  // the gated delta rule's chunk of 64 with unit diagonal: 64*63/2 = 2016 each.
  const std::vector<V> in = {V::tensor({2, 64, 64}), V::tensor({3, 1, 64, 16}), V::boolean(false), V::boolean(true),
                             V::boolean(true)};
  EXPECT_EQ(macs("default", "linalg_solve_triangular", in, {V::tensor({3, 2, 64, 16})}), 6 * 16 * 2016);
  // torch.triangular_solve(B[4, 9, 2], A[4, 9, 9]): B first; solution and A's copy out.
  const std::vector<V> old = {V::tensor({4, 9, 2}), V::tensor({4, 9, 9}), V::boolean(true), V::boolean(false),
                              V::boolean(false)};
  EXPECT_EQ(macs("default", "triangular_solve", old, {V::tensor({4, 9, 2}), V::tensor({4, 9, 9})}), 4 * 2 * (36 + 9));
}

TEST(SolveTriangular, OpSetsAndBadRecords) {
  EXPECT_EQ(named_ops("mmengine").flops.count("aten::linalg_solve_triangular"), 0u);
  EXPECT_EQ(named_ops("default").flops.at("aten::triangular_solve").key, "solve_triangular");
  // A system that is not square, or a solution of another size, is a formula error, not a crash.
  EXPECT_THROW(macs("default", "linalg_solve_triangular",
                    {V::tensor({7, 6}), V::tensor({7, 3}), V::boolean(false), V::boolean(true), V::boolean(false)},
                    {V::tensor({7, 3})}),
               FormulaError);
  EXPECT_THROW(macs("default", "linalg_solve_triangular",
                    {V::tensor({7, 7}), V::tensor({8, 3}), V::boolean(false), V::boolean(true), V::boolean(false)},
                    {V::tensor({8, 3})}),
               FormulaError);
}

TEST(LinalgFactor, LuPerColumnAndWideOrTallMatrices) {
  // LU of a 4 x 4: column j (1..4) takes one reciprocal, scales the 4 - j entries below the pivot, and updates the
  // (4 - j) x (4 - j) block: (1 + 3 + 9) + (1 + 2 + 4) + (1 + 1 + 1) + 1 = 24 = 4^3/3 + 2*4/3. A batch of 3.
  EXPECT_EQ(macs("default", "linalg_lu_factor_ex", {V::tensor({3, 4, 4}), V::boolean(true), V::boolean(false)},
                 {V::tensor({3, 4, 4}), V::tensor({3, 4}), V::tensor({3})}),
            3 * 24);
  // A tall 5 x 3: (1 + 4 + 4*2) + (1 + 3 + 3*1) + (1 + 2 + 0) = 13 + 7 + 3 = 23 (LAWN 41: 5*9/2 - 27/6 + 15/2 -
  // 9/2 + 2 = 23). A wide 3 x 5: (1 + 2 + 2*4) + (1 + 1 + 1*3) + 1 = 11 + 5 + 1 = 17. torch.linalg.lu: the same LU.
  EXPECT_EQ(macs("default", "linalg_lu", {V::tensor({5, 3})}, {V::tensor({5, 5}), V::tensor({5, 3}), V::tensor({3, 3})}),
            23);
  EXPECT_EQ(macs("all", "linalg_lu_factor", {V::tensor({3, 5})}, {V::tensor({3, 5}), V::tensor({3})}), 17);
  // det and slogdet: the 24 of the LU, and the 3 products along its diagonal.
  EXPECT_EQ(macs("default", "_linalg_det", {V::tensor({4, 4})}, {V::tensor({}), V::tensor({4, 4}), V::tensor({4})}),
            24 + 3);
  EXPECT_EQ(macs("default", "logdet", {V::tensor({2, 4, 4})}, {V::tensor({2})}), 2 * (24 + 3));
}

TEST(LinalgFactor, SolvesAgainstAnLuAndTheInverse) {
  // torch.linalg.solve(A[6, 6], B[4, 6, 3]): one LU of A (6^3/3 + 2*6/3 = 72 + 4 = 76), then 4 * 3 = 12
  // right-hand sides of 36 each (a unit lower substitution, 15, and an upper one, 21). A's LU is made once: the
  // batch of 4 is B's.
  const std::vector<V> solve_in = {V::tensor({6, 6}), V::tensor({4, 6, 3}), V::boolean(true)};
  EXPECT_EQ(macs("default", "linalg_solve", solve_in, {V::tensor({4, 6, 3})}), 76 + 12 * 36);
  EXPECT_EQ(macs("default", "_linalg_solve_ex", {V::tensor({6, 6}), V::tensor({4, 6, 3}), V::boolean(true), V::boolean(false)},
                 {V::tensor({4, 6, 3}), V::tensor({6, 6}), V::tensor({6}), V::tensor({})}),
            76 + 12 * 36);
  // A vector right-hand side: one substitution pair.
  EXPECT_EQ(macs("default", "linalg_solve", {V::tensor({6, 6}), V::tensor({6}), V::boolean(true)}, {V::tensor({6})}),
            76 + 36);
  // The inverse of a batch of 2: the LU, then the identity's 6 columns solved: 6 * 36 = 216.
  EXPECT_EQ(macs("default", "linalg_inv_ex", {V::tensor({2, 6, 6}), V::boolean(false)},
                 {V::tensor({2, 6, 6}), V::tensor({2})}),
            2 * (76 + 216));
  EXPECT_EQ(named_ops("all").flops.at("aten::inverse").key, "inv");
  // linalg_lu_solve(LU[2, 6, 6], pivots, B[3, 1, 6, 2]): the solution [3, 2, 6, 2], 12 right-hand sides of 36.
  EXPECT_EQ(macs("default", "linalg_lu_solve",
                 {V::tensor({2, 6, 6}), V::tensor({2, 6}), V::tensor({3, 1, 6, 2}), V::boolean(true), V::boolean(false)},
                 {V::tensor({3, 2, 6, 2})}),
            12 * 36);
}

TEST(LinalgFactor, CholeskyItsSolveAndItsInverse) {
  // Cholesky of a 4 x 4: column j takes a square root, 4 - j divisions and the (4-j)(5-j)/2 lower trailing entries:
  // (1 + 3 + 6) + (1 + 2 + 3) + (1 + 1 + 1) + 1 = 20 = 4*5*6/6. A batch of 5.
  EXPECT_EQ(macs("default", "linalg_cholesky_ex", {V::tensor({5, 4, 4}), V::boolean(false), V::boolean(false)},
                 {V::tensor({5, 4, 4}), V::tensor({5})}),
            5 * 20);
  // cholesky_solve(B[4, 2], L[4, 4]): 2 right-hand sides, two substitutions of 6 products and 4 divisions each.
  EXPECT_EQ(macs("default", "cholesky_solve", {V::tensor({4, 2}), V::tensor({4, 4}), V::boolean(false)}, {V::tensor({4, 2})}),
            2 * 2 * (6 + 4));
  // cholesky_inverse(L[4, 4]): inverting L (20) and forming L^-H L^-1 (20).
  EXPECT_EQ(macs("default", "cholesky_inverse", {V::tensor({4, 4}), V::boolean(false)}, {V::tensor({4, 4})}), 40);
}

TEST(LinalgPower, RepeatedSquaring) {
  const auto power = [](std::vector<std::int64_t> a, std::int64_t n) {
    return macs("default", "linalg_matrix_power", {V::tensor(a), V::integer(n)}, {V::tensor(a)});
  };
  // A^0 and A^1 multiply nothing; A^6 = 0b110: A^2, A^4 (two squarings), then A^2 * A^4 (one product), 27 each.
  EXPECT_EQ(power({3, 3}, 0), 0);
  EXPECT_EQ(power({3, 3}, 1), 0);
  EXPECT_EQ(power({3, 3}, 6), 3 * 27);
  // A^-6 over a batch of 2 x 7: per matrix the inverse (LU 9 + 2 = 11, the identity's solve 27), then the 3 products.
  EXPECT_EQ(power({2, 7, 3, 3}, -6), 2 * 7 * (11 + 27 + 3 * 27));
  // mmengine has no formula; a non-square matrix is a formula error.
  EXPECT_EQ(named_ops("mmengine").flops.count("aten::linalg_matrix_power"), 0u);
  EXPECT_THROW(power({3, 4}, 2), FormulaError);
}

TEST(LinalgFactor, OpSetsAndBadRecords) {
  // mmengine's set counts none of them (reported unsupported, as mmengine reports them).
  for (const char* op : {"aten::linalg_solve", "aten::linalg_cholesky", "aten::linalg_det", "aten::linalg_inv"})
    EXPECT_EQ(named_ops("mmengine").flops.count(op), 0u) << op;
  // A determinant of a non-square matrix, or a matrix with one dimension, is a formula error, not a crash.
  EXPECT_THROW(macs("default", "linalg_det", {V::tensor({4, 5})}, {V::tensor({})}), FormulaError);
  EXPECT_THROW(macs("default", "linalg_lu_factor", {V::tensor({4})}, {V::tensor({4}), V::tensor({1})}), FormulaError);
  EXPECT_THROW(macs("default", "cholesky_solve", {V::tensor({4, 2}), V::tensor({4, 3}), V::boolean(false)},
                    {V::tensor({4, 2})}),
               FormulaError);
}

}  // namespace
}  // namespace flopscope
