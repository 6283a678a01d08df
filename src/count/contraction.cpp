// Products beyond the plain matmul (default and all; mmengine has no handler for any of them and reports
// each as unsupported). Each is counted once, where the model calls it: their CPU implementations call mm,
// bmm or matmul inside, which are never counted on top (attribute.cpp). One multiply-add per reduced element
// of each output element, as for matmul; additions of a bias are not counted.
//
//   _grouped_mm(A, B, offs)  the MoE experts' product (transformers 5). By the operands' ranks:
//                            A[T,K]   B[G,K,N]  -> T*K*N    tokens routed to G experts (offs splits T)
//                            A[G,M,K] B[K,N]    -> M*K*N    offs splits N; out [M,N]
//                            A[M,K]   B[K,N]    -> M*K*N    offs splits K; out [G,M,N], each K once
//                            A[G,M,K] B[G,K,N]  -> G*M*K*N  batched
//                            From shapes alone: rows beyond the last offset are counted too.
//   _scaled_grouped_mm        the same in FP8 (its scales follow the operands)
//   tensordot(a, b, da, db)  free(a) * numel(b): every element of b meets every free position of a
//   linalg_vecdot(x, y, dim)  numel(x and y broadcast together): a dot product along dim per output element
//   inner(a[...,n], b[...,n]) numel(a) * numel(b) / n (a 0-d operand: numel(a) * numel(b))
//   linalg_multi_dot(Ms)     the matrix chain in the order torch evaluates it, the cheapest one: for the
//                            chain's dims p0..pn, the least sum of p_i*p_k*p_j over the parenthesisation
//                            (1-D ends are a row [1,k] and a column [k,1])
//   bilinear(x1[...,i1], x2[...,i2], W[o,i1,i2])  N*o*i1*i2 + N*o*i2: x1 contracted with W first, then with
//                            x2, as torch's _trilinear does; N = prod(x1's leading dims)
//   cdist(x1[...,P,M], x2[...,R,M])  B*P*R*M: one multiply-add per coordinate of every pair (the p-norm's
//                            powers and roots are not counted; for p=2 torch uses this very product)
#include <algorithm>
#include <limits>

#include "count/families.h"
#include "count/shapes.h"

namespace flopscope::count {
namespace {

Count grouped_mm_macs(const OpRecord& r) {
  const auto& a = input_shape(r, 0);
  const auto& b = input_shape(r, 1);
  require((a.size() == 2 || a.size() == 3) && (b.size() == 2 || b.size() == 3), r, "expects 2-D or 3-D operands");
  const Count k = a.back();
  require(k == b[b.size() - 2], r, "inner dimensions differ");
  if (a.size() == 2 && b.size() == 3) return mul(a[0], k, b[2]);
  if (a.size() == 3 && b.size() == 2) return mul(a[1], k, b[1]);
  if (a.size() == 2 && b.size() == 2) return mul(a[0], k, b[1]);
  require(a[0] == b[0], r, "batched operands differ in their group count");
  return mul(a[0], a[1], k, b[2]);
}

Count tensordot_macs(const OpRecord& r) {
  const auto& a = input_shape(r, 0);
  const auto& b = input_shape(r, 1);
  const Value& dims_a = input(r, 2);
  require(dims_a.kind == Value::Kind::IntList, r, "expects the contracted dims of the first operand");
  std::vector<bool> contracted(a.size(), false);
  for (auto d : dims_a.sizes) {
    const auto rank = static_cast<std::int64_t>(a.size());
    require(d >= -rank && d < rank, r, "contracted dim out of range");
    contracted[static_cast<std::size_t>(d < 0 ? d + rank : d)] = true;
  }
  Count free_a = 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!contracted[i]) free_a = mul(free_a, a[i]);
  return mul(free_a, product(b));
}

Count inner_macs(const OpRecord& r) {
  const auto& a = input_shape(r, 0);
  const auto& b = input_shape(r, 1);
  if (a.empty() || b.empty()) return mul(product(a), product(b));
  require(a.back() == b.back(), r, "last dimensions differ");
  return mul(product(a), leading_product(b, 1));
}

Count vecdot_macs(const OpRecord& r) {
  const auto& x = input_shape(r, 0);
  const auto& y = input_shape(r, 1);
  return broadcast_elements(r, x, x.size(), y, y.size(), "operands do not broadcast");
}

Count multi_dot_macs(const OpRecord& r) {
  const Value& list = input(r, 0);
  require(list.kind == Value::Kind::TensorList && list.shapes.size() >= 2, r, "expects a list of 2 or more tensors");
  const auto& ms = list.shapes;
  // The chain's dims: matrix i is p[i] x p[i+1].
  std::vector<Count> p;
  for (std::size_t i = 0; i < ms.size(); ++i) {
    auto m = ms[i];
    if (m.size() == 1 && i == 0) m.insert(m.begin(), 1);
    if (m.size() == 1 && i + 1 == ms.size()) m.push_back(1);
    require(m.size() == 2, r, "expects matrices (1-D only at the ends)");
    if (i == 0) p.push_back(m[0]);
    require(p.back() == m[0], r, "inner dimensions differ");
    p.push_back(m[1]);
  }
  const std::size_t n = ms.size();
  // cost[i][j]: the cheapest product of matrices i..j.
  std::vector<std::vector<Count>> cost(n, std::vector<Count>(n, 0));
  for (std::size_t len = 2; len <= n; ++len)
    for (std::size_t i = 0; i + len <= n; ++i) {
      const std::size_t j = i + len - 1;
      cost[i][j] = std::numeric_limits<Count>::max();
      for (std::size_t k = i; k < j; ++k)
        cost[i][j] = std::min(cost[i][j], add(add(cost[i][k], cost[k + 1][j]), mul(p[i], p[k + 1], p[j + 1])));
    }
  return cost[0][n - 1];
}

Count bilinear_macs(const OpRecord& r) {
  const auto& x1 = input_shape(r, 0);
  const auto& x2 = input_shape(r, 1);
  const auto& w = input_shape(r, 2);
  require(w.size() == 3 && !x1.empty() && !x2.empty() && x1.back() == w[1] && x2.back() == w[2], r,
          "expects x1[...,i1], x2[...,i2], W[o,i1,i2]");
  const Count n = leading_product(x1, 1);
  return add(mul(n, w[0], w[1], w[2]), mul(n, w[0], w[2]));
}

Count cdist_macs(const OpRecord& r) {
  const auto& x1 = input_shape(r, 0);
  const auto& x2 = input_shape(r, 1);
  require(x1.size() >= 2 && x2.size() >= 2 && x1.back() == x2.back(), r, "expects x1[...,P,M] and x2[...,R,M]");
  return mul(product(x1), x2[x2.size() - 2]);
}


}  // namespace

void add_contraction_handlers(OpSet& set, Tier tier) {
  if (tier < Tier::standard) return;
  set.flops["aten::_grouped_mm"] = {"_grouped_mm", grouped_mm_macs,
                                    "A[T,K] B[G,K,N]: T*K*N; A[G,M,K] B[G,K,N]: G*M*K*N; 2-D B or 2-D A: M*K*N"};
  // The same grouped product in FP8, its scales after the operands (torchao's MoE training).
  set.flops["aten::_scaled_grouped_mm"] = {"_scaled_grouped_mm", grouped_mm_macs, "as _grouped_mm"};
  set.flops["aten::tensordot"] = {"tensordot", tensordot_macs, "free(a)*numel(b)"};
  set.flops["aten::inner"] = {"inner", inner_macs, "a[...,n] b[...,n]: numel(a)*numel(b)/n"};
  set.flops["aten::linalg_vecdot"] = {"linalg_vecdot", vecdot_macs, "numel(x and y broadcast together)"};
  set.flops["aten::linalg_multi_dot"] = {"linalg_multi_dot", multi_dot_macs,
                                         "the cheapest parenthesisation of the chain (torch's order)"};
  set.flops["aten::bilinear"] = {"bilinear", bilinear_macs, "x1[N,i1] W[o,i1,i2] x2[N,i2]: N*o*i1*i2 + N*o*i2"};
  set.flops["aten::cdist"] = {"cdist", cdist_macs, "x1[B,P,M] x2[B,R,M]: B*P*R*M"};
  for (const char* op : {"_grouped_mm", "_scaled_grouped_mm", "tensordot", "inner", "linalg_vecdot", "linalg_multi_dot",
                         "bilinear", "cdist"}) {
    const std::string name = std::string("aten::") + op;
    set.activations[name] = {set.flops[name].key, output_elements, "numel(output)"};
  }
}

}  // namespace flopscope::count
