// Dense linear algebra (default and all; mmengine, fvcore and FlopCounterMode count none of it), in the
// multiplications of LAPACK Working Note 41 (a division counted as one), one per multiply-add.
//
// Triangular solves: torch.linalg.solve_triangular, which the chunked gated delta rule of Qwen3-Next, Qwen3.5 and
// OLMo-hybrid runs twice per chunk in eager mode, and the older torch.triangular_solve. Substituting through a
// triangular m x m system for one right-hand side multiplies and adds each of the m (m - 1) / 2 off-diagonal
// coefficients once (LAPACK's xTRSM count, LAWN 41), and divides by the m diagonal entries unless the diagonal is
// known to be ones:
//   MACs = batch * k * (m (m - 1) / 2 + (unitriangular ? 0 : m))
// k: the right-hand sides (B's columns for a left solve A X = B, its rows for a right solve X A = B); batch: the
// product of the solution's broadcast batch dimensions. A training step's backward runs the same solve on the
// transposed system, counted by the same rule.
//
// Factorizations, per matrix of the batch (the operand's own batch: a factor is made once however far the
// right-hand sides broadcast it):
//   LU with partial pivoting (xGETRF) of an m x n matrix, k = min(m, n): at column j, one reciprocal of the pivot,
//   the m - j entries below it scaled, and the (m - j) x (n - j) trailing block updated:
//     MACs = k + sum_{i=0}^{k-1} (m - 1 - i)(n - i)        (square: n^3/3 + 2n/3, LAWN 41's count)
//   Cholesky (xPOTRF) of n x n: a square root, n - j divisions and the (n - j)(n - j + 1)/2 lower trailing
//   entries per column:  MACs = n (n + 1)(n + 2) / 6
// Solves against a factor, per right-hand side of n entries (so numel(X) / n of them):
//   LU (xGETRS): a unit lower and an upper substitution, n^2             -> MACs = numel(X) * n
//   Cholesky (xPOTRS): two non-unit triangular substitutions, n (n + 1) -> MACs = numel(X) * (n + 1)
// and what is built from them, as ATen runs it: solve = LU + its solve; inv = LU + a solve against the identity
// (n right-hand sides: n^3); det, slogdet, logdet = LU + the n - 1 products (or sums of logarithms) of the
// diagonal; cholesky_inverse (xPOTRI: inverting the factor, then L^-H L^-1) = 2 n (n + 1)(n + 2) / 6.
// Powers, linalg_matrix_power(A[m,m], n), as ATen runs them: |n| = 2 and 3 by one and two products, larger |n|
// by repeated squaring, one squaring per bit of |n| after the highest and one product into the result per set bit
// after the first (13 = 0b1101: 3 squarings and 2 products); a negative n inverts A first (as linalg_inv):
//   MACs = batch * (bit_length(|n|) - 1 + popcount(|n|) - 1) * m^3   (+ the inverse's for n < 0; 0 for n = 0, 1)
// Composite ops are named too (a graph from torch.export keeps linalg_solve, linalg_det, ...): counting stops
// at the outermost op with a formula, so a live forward counts each call once, at the op the user called.
// Eigen- and singular value decompositions (iterative), QR (a blocked QR's work depends on its block size) and
// least squares (on the driver) have no one count: no formula.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "count/families.h"
#include "count/shapes.h"

namespace flopscope::count {
namespace {

Count solve_macs(const OpRecord& r, const std::vector<std::int64_t>& a, bool left, bool unit) {
  const auto& x = output_shape(r);
  require(a.size() >= 2 && a[a.size() - 1] == a[a.size() - 2], r, "expects a square triangular matrix");
  require(x.size() >= 2, r, "expects a solution with two matrix dimensions");
  const std::int64_t m = a.back();
  const std::int64_t rhs = left ? x[x.size() - 1] : x[x.size() - 2];
  require((left ? x[x.size() - 2] : x[x.size() - 1]) == m, r, "expects the solution to match the system's size");
  const Count per_rhs = add(mul(m, m - 1) / 2, unit ? 0 : m);
  return mul(leading_product(x, 2), rhs, per_rhs);
}

bool flag(const OpRecord& r, std::size_t i, bool fallback) {
  const Value& v = i < r.inputs.size() ? r.inputs[i] : Value::none();
  return v.kind == Value::Kind::Bool ? v.number != 0 : fallback;
}

// linalg_solve_triangular(A, B, *, upper, left=True, unitriangular=False)
Count linalg_solve_triangular(const OpRecord& r) {
  return solve_macs(r, input_shape(r, 0), flag(r, 3, true), flag(r, 4, false));
}

// triangular_solve(B, A, upper=True, transpose=False, unitriangular=False) -> (solution, A's copy): a left solve.
Count triangular_solve(const OpRecord& r) { return solve_macs(r, input_shape(r, 1), true, flag(r, 4, false)); }

// xGETRF's count for one m x n matrix (see the top of the file).
Count lu_factor_macs(std::int64_t m, std::int64_t n) {
  Count total = std::min(m, n);
  for (std::int64_t i = 0; i < std::min(m, n); ++i) total = add(total, mul(m - 1 - i, n - i));
  return total;
}

const std::vector<std::int64_t>& matrix(const OpRecord& r, std::size_t i) {
  const auto& a = input_shape(r, i);
  require(a.size() >= 2, r, "expects a matrix with two dimensions");
  return a;
}

const std::vector<std::int64_t>& square(const OpRecord& r, std::size_t i) {
  const auto& a = matrix(r, i);
  require(a[a.size() - 1] == a[a.size() - 2], r, "expects a square matrix");
  return a;
}

// LU of input 0: linalg_lu_factor(_ex), linalg_lu, _lu_with_info.
Count lu_factor(const OpRecord& r) {
  const auto& a = matrix(r, 0);
  return mul(leading_product(a, 2), lu_factor_macs(a[a.size() - 2], a.back()));
}

// det, slogdet, logdet of input 0: the LU, and the n - 1 products of its diagonal.
Count determinant(const OpRecord& r) {
  const auto& a = square(r, 0);
  const std::int64_t n = a.back();
  return mul(leading_product(a, 2), add(lu_factor_macs(n, n), n - 1));
}

// X = solution (output 0) against an n x n factor: n^2 per right-hand side of n entries.
Count lu_substitutions(const OpRecord& r, std::int64_t n) { return mul(product(output_shape(r)), n); }

// linalg_lu_solve(LU, pivots, B, *, left, adjoint) and the older lu_solve(B, LU_data, LU_pivots).
Count linalg_lu_solve(const OpRecord& r) { return lu_substitutions(r, square(r, 0).back()); }
Count lu_solve(const OpRecord& r) { return lu_substitutions(r, square(r, 1).back()); }

// linalg_solve(_ex)(A, B, *, left), _linalg_solve_ex, and linalg_inv(_ex)/inverse(A) (B = the identity, the
// solution the inverse): the LU of A, then its solve.
Count solve(const OpRecord& r) {
  const auto& a = square(r, 0);
  const std::int64_t n = a.back();
  return add(mul(leading_product(a, 2), lu_factor_macs(n, n)), lu_substitutions(r, n));
}

// linalg_cholesky(_ex)(A), cholesky(A): n (n + 1)(n + 2) / 6 per matrix; cholesky_inverse(L): twice that.
Count cholesky(const OpRecord& r) {
  const auto& a = square(r, 0);
  const std::int64_t n = a.back();
  return mul(leading_product(a, 2), mul(n, n + 1, n + 2) / 6);
}
Count cholesky_inverse(const OpRecord& r) { return mul(cholesky(r), 2); }

// cholesky_solve(B, L, upper) and its helper: two triangular substitutions, n (n + 1) per right-hand side.
Count cholesky_solve(const OpRecord& r) {
  const std::int64_t n = square(r, 1).back();
  return mul(product(output_shape(r)), n + 1);
}

// linalg_matrix_power(A, n) and matrix_power: the products of repeated squaring, after an inverse for n < 0.
Count matrix_power(const OpRecord& r) {
  const auto& a = square(r, 0);
  const Value& power = input(r, 1);
  require(power.kind == Value::Kind::Int, r, "expects an integer power");
  const std::int64_t m = a.back();
  const auto n = static_cast<std::uint64_t>(power.number < 0 ? -power.number : power.number);
  Count products = 0;
  if (n >= 2) {
    int bits = 0, set = 0;
    for (std::uint64_t v = n; v != 0; v >>= 1) ++bits, set += static_cast<int>(v & 1);
    products = (bits - 1) + (set - 1);
  }
  Count total = mul(products, mul(m, m, m));
  if (power.number < 0) total = add(total, add(lu_factor_macs(m, m), mul(m, m, m)));
  return mul(leading_product(a, 2), total);
}

}  // namespace

void add_linalg_handlers(OpSet& set, Tier tier) {
  if (tier < Tier::standard) return;
  const char* text = "batch * k * (m(m-1)/2 + (unitriangular ? 0 : m)): A[m,m], k right-hand sides";
  set.flops["aten::linalg_solve_triangular"] = {"solve_triangular", linalg_solve_triangular, text};
  set.flops["aten::triangular_solve"] = {"solve_triangular", triangular_solve, text};

  const char* lu = "batch * (k + sum_{i<k} (m-1-i)(n-i)), k = min(m, n): LU (xGETRF) of A[m,n]; square: n^3/3 + 2n/3";
  for (const char* op : {"aten::linalg_lu_factor", "aten::linalg_lu_factor_ex", "aten::linalg_lu", "aten::_lu_with_info"})
    set.flops[op] = {"lu_factor", lu_factor, lu};
  const char* det = "batch * (n^3/3 + 2n/3 + n - 1): LU of A[n,n], then its diagonal's product (or log sum)";
  for (const char* op : {"aten::linalg_det", "aten::_linalg_det", "aten::det", "aten::linalg_slogdet",
                         "aten::_linalg_slogdet", "aten::slogdet", "aten::logdet"})
    set.flops[op] = {"det", determinant, det};
  const char* getrs = "numel(X) * n: an LU's two substitutions (xGETRS), n^2 per right-hand side; X the solution";
  set.flops["aten::linalg_lu_solve"] = {"lu_solve", linalg_lu_solve, getrs};
  set.flops["aten::lu_solve"] = {"lu_solve", lu_solve, getrs};
  const char* gesv = "batch * (n^3/3 + 2n/3) + numel(X) * n: LU of A[n,n], then n^2 per right-hand side of X";
  for (const char* op : {"aten::linalg_solve", "aten::linalg_solve_ex", "aten::_linalg_solve_ex"})
    set.flops[op] = {"solve", solve, gesv};
  const char* inv = "batch * (n^3/3 + 2n/3 + n^3): LU of A[n,n], then a solve against the identity (as ATen runs it)";
  for (const char* op : {"aten::linalg_inv", "aten::linalg_inv_ex", "aten::inverse"}) set.flops[op] = {"inv", solve, inv};
  const char* potrf = "batch * n(n+1)(n+2)/6: Cholesky (xPOTRF) of A[n,n]";
  for (const char* op : {"aten::linalg_cholesky", "aten::linalg_cholesky_ex", "aten::cholesky"})
    set.flops[op] = {"cholesky", cholesky, potrf};
  const char* potrs = "numel(X) * (n + 1): two triangular substitutions (xPOTRS) with L[n,n]; X the solution";
  for (const char* op : {"aten::cholesky_solve", "aten::_cholesky_solve_helper"})
    set.flops[op] = {"cholesky_solve", cholesky_solve, potrs};
  const char* power = "batch * (bit_length(|n|) - 1 + popcount(|n|) - 1) * m^3: repeated squaring of A[m,m] "
                      "(+ inv's count for n < 0)";
  for (const char* op : {"aten::linalg_matrix_power", "aten::matrix_power"})
    set.flops[op] = {"matrix_power", matrix_power, power};
  set.flops["aten::cholesky_inverse"] = {"cholesky_inverse", cholesky_inverse,
                                         "batch * 2 n(n+1)(n+2)/6: L^-1, then L^-H L^-1 (xPOTRI) from L[n,n]"};
}

}  // namespace flopscope::count
