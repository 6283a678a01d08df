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
#include <algorithm>

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
  const auto rank = static_cast<std::int64_t>(x.size());
  auto d = static_cast<std::int64_t>(dim.number);
  require(d >= -rank && d < rank, r, "renormalises along a dimension the tensor does not have");
  if (d < 0) d += rank;
  return add(mul(2, product(x)), mul(2, x[static_cast<std::size_t>(d)]));
}

Count cross(const OpRecord& r) { return mul(3, output_elements(r)); }

Count trace(const OpRecord& r) {
  const auto& x = input_shape(r, 0);
  require(x.size() == 2, r, "expects a matrix");
  return std::min(x[0], x[1]);
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
}

}  // namespace flopscope::count
