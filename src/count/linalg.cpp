// Triangular solves (default and all; mmengine, fvcore and FlopCounterMode count none): torch.linalg.
// solve_triangular, which the chunked gated delta rule of Qwen3-Next, Qwen3.5 and OLMo-hybrid runs twice per chunk
// in eager mode, and the older torch.triangular_solve. Substituting through a triangular m x m system for one
// right-hand side multiplies and adds each of the m (m - 1) / 2 off-diagonal coefficients once (LAPACK's xTRSM
// count, LAWN 41), and divides by the m diagonal entries unless the diagonal is known to be ones:
//   MACs = batch * k * (m (m - 1) / 2 + (unitriangular ? 0 : m))
// k: the right-hand sides (B's columns for a left solve A X = B, its rows for a right solve X A = B); batch: the
// product of the solution's broadcast batch dimensions. A training step's backward runs the same solve on the
// transposed system, counted by the same rule.
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

}  // namespace

void add_linalg_handlers(OpSet& set, Tier tier) {
  if (tier < Tier::standard) return;
  const char* text = "batch * k * (m(m-1)/2 + (unitriangular ? 0 : m)): A[m,m], k right-hand sides";
  set.flops["aten::linalg_solve_triangular"] = {"solve_triangular", linalg_solve_triangular, text};
  set.flops["aten::triangular_solve"] = {"solve_triangular", triangular_solve, text};
}

}  // namespace flopscope::count
