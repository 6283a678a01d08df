// Distances, similarities and small vector products (all only), each as the elementwise ops of ATen's own
// implementation, one per output element, a norm or sum one per input element (n = elements of the inputs
// broadcast together, the larger of the two).
//   cosine_similarity(x1, x2, dim):     6n + 2 rows   (two norms, clamped per row, two divisions, product, sum)
//   pairwise_distance(x1, x2, p):       3n            (norm(x1 - x2 + eps))
//   dist(x, y, p):                      2n            (norm(x - y))
//   pdist(x[N, M], p):                  3 M P + P     (P = N(N-1)/2 pairs: difference, power, sum; the root)
//   renorm(x, p, dim, maxnorm):         2n + 2 size(dim)   (a norm per slice, its factor, the scaling)
//   linalg_cross(a, b, dim):            3 numel(output)    (two products and a difference per component)
//   trace(x[R, C]):                     min(R, C)     (the diagonal's sum)
//   linalg_matrix_norm(A, ord, dim=(r, c)), and linalg_norm given a matrix's two dims and an ord:
//     'fro':                            n             (a vector norm over both dims)
//     1, -1 (inf, -inf):                n + n / size(r)  (n / size(c)) (column (row) sums of magnitudes, then
//                                                     their largest or smallest)
//     2, -2, 'nuc':                     no count: ATen runs an SVD, which is iterative (linalg.cpp)
//   linalg_norm otherwise:              n             (a vector norm)
#include <algorithm>
#include <cmath>
#include <vector>

#include "count/families.h"
#include "count/shapes.h"

namespace flopscope::count {
namespace {

Count larger_input(const OpRecord& r) {
  return std::max(product(input_shape(r, 0)), product(input_shape(r, 1)));
}

Count cosine_similarity(const OpRecord& r) { return add(mul(6, larger_input(r)), mul(2, output_elements(r))); }
Count pairwise_distance(const OpRecord& r) { return mul(3, larger_input(r)); }
Count dist(const OpRecord& r) { return mul(2, larger_input(r)); }

Count pdist(const OpRecord& r) {
  const auto& x = input_shape(r, 0);
  require(x.size() == 2, r, "expects a matrix of N rows");
  const Count pairs = x[0] < 2 ? 0 : mul(x[0], x[0] - 1) / 2;
  return add(mul(3, x[1], pairs), pairs);
}

// renorm(self, p, dim, maxnorm): the norm of each slice along dim, where(norm > maxnorm, maxnorm / (norm + 1e-7),
// 1) per slice, then self times it.
Count renorm(const OpRecord& r) {
  const auto& x = input_shape(r, 0);
  const Value& dim = input(r, 2);
  require(dim.kind == Value::Kind::Int, r, "expects dim, an int");
  const std::size_t d = wrapped_dim(r, static_cast<std::int64_t>(dim.number), x.size(),
                                    "renormalises along a dimension the tensor does not have");
  return add(mul(2, product(x)), mul(2, x[d]));
}

Count cross(const OpRecord& r) { return mul(3, output_elements(r)); }

Count trace(const OpRecord& r) {
  const auto& x = input_shape(r, 0);
  require(x.size() == 2, r, "expects a matrix");
  return std::min(x[0], x[1]);
}

// A dim argument (int or int list) at i canonicalised against `rank` dims; empty when None.
std::vector<std::int64_t> dims_at(const OpRecord& r, std::size_t i, std::int64_t rank) {
  const Value& v = input(r, i);
  std::vector<std::int64_t> out;
  if (v.kind == Value::Kind::Int) out.push_back(static_cast<std::int64_t>(v.number));
  if (v.kind == Value::Kind::IntList) out = v.sizes;
  for (auto& d : out)
    d = static_cast<std::int64_t>(wrapped_dim(r, d, static_cast<std::size_t>(rank),
                                              "reduces over a dimension the tensor does not have"));
  return out;
}

// The matrix norm `ord` of input 0 over its dims (rows, cols); see the top of the file.
Count matrix_norm_of(const OpRecord& r, const Value& ord, std::int64_t rows, std::int64_t cols) {
  const auto& a = input_shape(r, 0);
  const Count n = product(a);
  if (ord.kind == Value::Kind::String) {
    require(ord.text != "nuc", r, "has ord 'nuc', a sum of singular values: an SVD, which has no count");
    require(ord.text == "fro", r, "has an ord that is neither 'fro' nor 'nuc'");
    return n;
  }
  require(ord.kind == Value::Kind::Int || ord.kind == Value::Kind::Double, r, "expects ord, a number or a string");
  const double p = ord.number;
  require(p == 1 || p == -1 || std::isinf(p), r, "has ord 2 or -2, a singular value: an SVD, which has no count");
  const std::int64_t along = a[static_cast<std::size_t>(std::isinf(p) ? cols : rows)];
  return add(n, along == 0 ? 0 : n / along);
}

// linalg_matrix_norm(A, ord='fro', dim=(-2, -1), keepdim, dtype), with a number or a string ord.
Count matrix_norm(const OpRecord& r) {
  const auto rank = static_cast<std::int64_t>(input_shape(r, 0).size());
  require(rank >= 2, r, "expects a matrix");
  std::vector<std::int64_t> dims = dims_at(r, 2, rank);
  if (dims.empty()) dims = {rank - 2, rank - 1};
  require(dims.size() == 2 && dims[0] != dims[1], r, "expects two different dims");
  static const Value fro = Value::string("fro");
  const Value& ord = input(r, 1).kind == Value::Kind::None ? fro : input(r, 1);
  return matrix_norm_of(r, ord, dims[0], dims[1]);
}

// linalg_norm(A, ord=None, dim=None, keepdim, dtype): a matrix norm when an ord is given with two dims (or no dim
// and a matrix), else a vector norm.
Count linalg_norm(const OpRecord& r) {
  const auto rank = static_cast<std::int64_t>(input_shape(r, 0).size());
  const Value& ord = input(r, 1);
  std::vector<std::int64_t> dims = dims_at(r, 2, rank);
  if (dims.empty() && rank == 2) dims = {0, 1};
  if (ord.kind == Value::Kind::None || dims.size() != 2) return input_elements(r);
  return matrix_norm_of(r, ord, dims[0], dims[1]);
}

}  // namespace

void add_distance_handlers(OpSet& set, Tier tier) {
  if (tier < Tier::all) return;
  set.flops["aten::cosine_similarity"] = {"cosine_similarity", cosine_similarity, "6n + 2 numel(output)"};
  set.flops["aten::pairwise_distance"] = {"pairwise_distance", pairwise_distance, "3n"};
  set.flops["aten::dist"] = {"dist", dist, "2n"};
  for (const char* op : {"pdist", "_pdist_forward"})
    set.flops[std::string("aten::") + op] = {op, pdist, "3 M P + P over the P = N(N-1)/2 pairs of M features"};
  set.flops["aten::renorm"] = {"renorm", renorm, "2 numel(input) + 2 size(dim)"};
  for (const char* op : {"linalg_cross", "cross"})
    set.flops[std::string("aten::") + op] = {op, cross, "3 numel(output)"};
  set.flops["aten::trace"] = {"trace", trace, "min(rows, cols)"};
  set.flops["aten::linalg_matrix_norm"] = {"matrix_norm", matrix_norm,
                                           "fro: n; 1/-1: n + n/rows; inf/-inf: n + n/cols; 2, -2, nuc: an SVD (none)"};
  set.flops["aten::linalg_norm"] = {"linalg_norm", linalg_norm, "as linalg_matrix_norm with ord and two dims, else n"};
}

}  // namespace flopscope::count
