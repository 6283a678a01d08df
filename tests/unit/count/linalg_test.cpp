// Triangular solves (src/count/linalg.cpp, default and all): per right-hand side, m(m-1)/2 multiply-adds through
// the off-diagonal coefficients and m divisions unless the diagonal is ones. On hand-built records, the
// arithmetic written out.
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

}  // namespace
}  // namespace flopscope
