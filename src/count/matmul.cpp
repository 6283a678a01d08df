// Matrix products, as mmengine counts them: one multiply-add per output element per reduced element.
// Bias additions are not counted. mmengine: addmm, linear, bmm, matmul, mm. default adds the products
// mmengine reports as unsupported: baddbmm, addbmm, addmv, mv, dot, vdot; and matmul's batch as it broadcasts.
#include "count/families.h"
#include "count/shapes.h"

#include <algorithm>
#include <utility>

namespace flopscope::count {
namespace {

// addmm(bias, A[n,k], B[k,m]) -> n·k·m
Count addmm_macs(const OpRecord& r) {
  const auto& a = input_shape(r, 1);
  const auto& b = input_shape(r, 2);
  require(a.size() == 2 && b.size() == 2, r, "addmm expects 2-D matrices");
  return mul(a[0], a[1], b[1]);
}

// linear(x[..., in], W[out, in], b) -> numel(x)·out
Count linear_macs(const OpRecord& r) {
  const auto& x = input_shape(r, 0);
  const auto& w = input_shape(r, 1);
  require(!x.empty() && !w.empty() && x.back() == w.back(), r, "input's last dim differs from the weight's");
  return mul(product(x), w[0]);
}

// default and all: a 1-D weight W[in] is one output feature (F.linear(x, w) is x @ w, ATen's mv: D-FINE's
// distribution integral), where mmengine's formula, kept in its set, takes W's only dim for out and counts
// numel(x) * in.
Count linear_any_weight_macs(const OpRecord& r) {
  const auto& w = input_shape(r, 1);
  if (w.size() != 1) return linear_macs(r);
  const auto& x = input_shape(r, 0);
  require(!x.empty() && x.back() == w[0], r, "input's last dim differs from the weight's");
  return product(x);
}

// Quantized and low-precision products, whose weight shows no usable shape in the call: torch.ao's quantized
// linear layers (quantized::linear*(x, packed weight, ...): an object), and ATen's products for torchao's and FP8
// models (_scaled_mm(A[m,k], B[k,n], scales...), _int_mm(A[m,k], B[k,n]), _weight_int8pack_mm(A[m,k], W[n,k],
// scales), _weight_int4pack_mm(A[m,k], W packed in tiles, ...)). The output's last dim is out: numel(x)·out, as
// linear.
Count product_by_output_macs(const OpRecord& r) {
  const auto& x = input_shape(r, 0);
  const auto& y = output_shape(r);
  require(!x.empty() && !y.empty(), r, "expected a tensor in and a tensor out");
  return mul(product(x), y.back());
}

// bmm(A[n,c,t], B[n,t,d]) -> n·c·t·d
Count bmm_macs(const OpRecord& r) {
  const auto& a = input_shape(r, 0);
  const auto& b = input_shape(r, 1);
  require(a.size() == 3 && b.size() == 3, r, "bmm expects 3-D tensors");
  return mul(a[0], a[1], a[2], b[2]);
}

// matmul's operands as matrices: a 1-D A is a row [1,k], a 1-D B a column [k,1].
std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> matmul_operands(const OpRecord& r) {
  std::vector<std::int64_t> a = input_shape(r, 0);
  std::vector<std::int64_t> b = input_shape(r, 1);
  require(!a.empty() && !b.empty(), r, "matmul of a 0-d tensor");
  if (a.size() == 1) a.insert(a.begin(), 1);
  if (b.size() == 1) b.push_back(1);
  require(a.back() == b[b.size() - 2], r, "inner dimensions differ");
  return {std::move(a), std::move(b)};
}

// matmul/mm(A, B): numel(A)·B[-1]. As in mmengine, batch dimensions present only in B are not multiplied in.
Count matmul_macs(const OpRecord& r) {
  const auto [a, b] = matmul_operands(r);
  return mul(product(a), b.back());
}

// matmul(A, B) as the product runs (default and all): the batch is A's and B's batch dimensions broadcast
// together, each of its matrices n·k·m. Equal to mmengine's numel(A)·B[-1] when B's batch is no wider than A's
// (x[b,t,k] @ W[k,m], q @ k^T); more when B brings batch dimensions of its own: x[t,k] @ W[e,k,m] (an
// ensemble's or per-head weights, vmap's batched weights) runs e products of t·k·m, which mmengine counts once.
Count broadcast_matmul_macs(const OpRecord& r) {
  const auto [a, b] = matmul_operands(r);
  const Count batch = broadcast_elements(r, a, a.size() - 2, b, b.size() - 2, "batch dimensions do not broadcast");
  return mul(batch, a[a.size() - 2], a.back(), b.back());
}

// Activations of a matrix product: the elements of its output.

// baddbmm(input, A[b,n,m], B[b,m,p]) and addbmm(input, A[b,n,m], B[b,m,p]) -> b*n*m*p (the add is not counted)
Count batched_product_macs(const OpRecord& r) {
  const auto& a = input_shape(r, 1);
  const auto& b = input_shape(r, 2);
  require(a.size() == 3 && b.size() == 3 && a[2] == b[1], r, "expects [b,n,m] and [b,m,p]");
  return mul(a[0], a[1], a[2], b[2]);
}

// addmv(input, M[n,m], v[m]) -> n*m
Count addmv_macs(const OpRecord& r) {
  const auto& m = input_shape(r, 1);
  require(m.size() == 2, r, "expects a matrix");
  return mul(m[0], m[1]);
}

// mv(M[n,m], v[m]) -> n*m
Count mv_macs(const OpRecord& r) {
  const auto& m = input_shape(r, 0);
  require(m.size() == 2, r, "expects a matrix");
  return mul(m[0], m[1]);
}

// dot(a[n], b[n]), vdot -> n
Count dot_macs(const OpRecord& r) { return product(input_shape(r, 0)); }

}  // namespace

void add_matmul_handlers(OpSet& set, Tier tier) {
  set.flops["aten::addmm"] = {"addmm", addmm_macs, "A[n,k] @ B[k,m]: n*k*m (bias not counted)"};
  set.flops["aten::linear"] = {"linear", linear_macs, "x[...,in] @ W[out,in]^T: numel(x)*out (bias not counted)"};
  set.flops["aten::bmm"] = {"bmm", bmm_macs, "A[n,c,t] @ B[n,t,d]: n*c*t*d"};
  set.flops["aten::matmul"] = {"matmul", matmul_macs, "1-D A->[1,k], 1-D B->[k,1]; numel(A)*B[-1]"};
  set.flops["aten::mm"] = {"mm", matmul_macs, "A[n,k] @ B[k,m]: n*k*m"};
  for (const char* op : {"addmm", "bmm", "matmul", "linear"})
    set.activations[std::string("aten::") + op] = {op, output_elements, "numel(output)"};
  if (tier < Tier::standard) return;
  set.flops["aten::linear"] = {"linear", linear_any_weight_macs,
                               "x[...,in] @ W[out,in]^T: numel(x)*out (bias not counted); a 1-D W[in]: numel(x)"};
  set.flops["aten::matmul"] = {"matmul", broadcast_matmul_macs,
                               "batch(A) and batch(B) broadcast, times n*k*m; 1-D A->[1,k], 1-D B->[k,1]"};
  set.flops["aten::baddbmm"] = {"baddbmm", batched_product_macs, "A[b,n,m] @ B[b,m,p]: b*n*m*p (add not counted)"};
  set.flops["aten::addbmm"] = {"addbmm", batched_product_macs, "sum over b of A[b,n,m] @ B[b,m,p]: b*n*m*p"};
  set.flops["aten::addmv"] = {"addmv", addmv_macs, "M[n,m] @ v[m]: n*m (add not counted)"};
  set.flops["aten::mv"] = {"mv", mv_macs, "M[n,m] @ v[m]: n*m"};
  set.flops["aten::dot"] = {"dot", dot_macs, "a[n] . b[n]: n"};
  set.flops["aten::vdot"] = {"vdot", dot_macs, "conj(a[n]) . b[n]: n"};
  for (const char* op : {"baddbmm", "addbmm", "addmv", "mv", "mm"})
    set.activations[std::string("aten::") + op] = {op, output_elements, "numel(output)"};
  for (const char* op : {"linear", "linear_relu", "linear_dynamic", "linear_relu_dynamic", "linear_dynamic_fp16",
                         "linear_relu_dynamic_fp16"}) {
    set.flops[std::string("quantized::") + op] = {"linear", product_by_output_macs,
                                                  "x[...,in] @ packed W[out,in]^T: numel(x)*out, out from the output"};
    set.activations[std::string("quantized::") + op] = {"linear", output_elements, "numel(output)"};
  }
  for (const char* op : {"_scaled_mm", "_int_mm", "_weight_int8pack_mm", "_weight_int4pack_mm",
                         "_weight_int4pack_mm_for_cpu"}) {
    set.flops[std::string("aten::") + op] = {op, product_by_output_macs, "A[m,k] @ W: m*k*n, n from the output"};
    set.activations[std::string("aten::") + op] = {op, output_elements, "numel(output)"};
  }
  // addmm with its activation fused (nn.Linear then GELU or ReLU, as torch's fast paths run them).
  set.flops["aten::_addmm_activation"] = {"addmm", addmm_macs, "as addmm (the activation not counted)"};
  set.activations["aten::_addmm_activation"] = {"addmm", output_elements, "numel(output)"};
}

}  // namespace flopscope::count
