// Scaled dot-product attention (default and all; mmengine reports it unsupported).
//
// For query [..., L, E], key [..., S, E], value [..., S, Ev], with B = prod(query's leading dims) (batch and
// heads; with grouped-query attention the query's heads count):
//   MACs = B * P * (E + Ev)       Q @ K^T and softmax(.) @ V, where P is the number of (query, key) pairs
//   P    = L * S                  without a causal mask, or with an explicit attn_mask (its values are not
//                                 known when shapes are captured, so it is counted in full)
//   P    = sum_i min(i + 1, S)    with is_causal (torch's top-left aligned lower triangle): L(L+1)/2 when
//                                 L == S. torch's FlopCounterMode ignores is_causal and counts L * S.
// all adds the softmax and the scaling: 4 * B * P (scale, exp, sum, divide), as elementwise ops are counted.
//
// nn.MultiheadAttention's fast path (eval, no grad) is one op, _native_multi_head_attention(query[B,L,E],
// key[B,S,E], value[B,S,E], embed_dim, num_head, qkv_weight[3E,E], ...): the three input projections, the
// attention and the output projection, as the composite path's linear and bmm ops count them:
//   MACs = B*L*E*E (q) + 2*B*S*E*E (k, v) + B*L*S*2E (all heads: QK^T and PV) + B*L*E*E (out)
// The fused backends (flash, memory-efficient, cuDNN, math, CPU flash) take the same shapes; only the position
// of is_causal differs.
//
// nn.TransformerEncoderLayer's fast path (eval, no grad, no hooks on it) is one op too,
// _transformer_encoder_layer_fwd(src[B,L,E], embed_dim, heads, qkv_weight[3E,E], ..., ffn_weight_1[F,E], ...):
// the whole layer, counted as its composite path's ops count it (T = B*L tokens):
//   MACs = T*E*(3E + E + F + F)   the qkv, output and two feed-forward projections (linear)
//        + B*L*L*2E               the attention of every head (scaled_dot_product_attention, any mask in full)
//        + 2*T*E*5                its two affine layer norms (layer_norm)
//   activations = T*(6E + F)      the projections' outputs and the attention's, as those ops give them
// all adds the softmax and scaling (4*B*heads*L*L), the two residual adds (2*T*E) and the activation (T*F).
#include "count/families.h"
#include "count/shapes.h"

namespace flopscope::count {
namespace {

struct Attention {
  Count batch, pairs, e, ev;
};

Attention shapes_of(const OpRecord& r, std::size_t causal_at, std::size_t query_at = 0) {
  const auto& q = input_shape(r, query_at);
  const auto& k = input_shape(r, query_at + 1);
  const auto& v = input_shape(r, query_at + 2);
  require(q.size() >= 2 && k.size() >= 2 && v.size() >= 2 && q.back() == k.back() && k[k.size() - 2] == v[v.size() - 2],
          r, "expects query [..., L, E], key [..., S, E], value [..., S, Ev]");
  const Count L = q[q.size() - 2];
  const Count S = k[k.size() - 2];
  const Value* causal = causal_at < r.inputs.size() ? &r.inputs[causal_at] : nullptr;
  const bool is_causal = causal != nullptr && causal->kind == Value::Kind::Bool && causal->number != 0;
  Count pairs = mul(L, S);
  if (is_causal) {
    const Count full_rows = L > S ? L - S : 0;  // rows i >= S see every key
    const Count m = L - full_rows;              // rows 0..m-1 see i + 1 keys
    pairs = add(m % 2 == 0 ? mul(m / 2, m + 1) : mul(m, (m + 1) / 2), mul(full_rows, S));
  }
  return {leading_product(q, 2), pairs, q.back(), v.back()};
}

template <std::size_t CausalAt>
Count attention_macs(const OpRecord& r) {
  Attention a = shapes_of(r, CausalAt);
  return mul(a.batch, a.pairs, add(a.e, a.ev));
}

template <std::size_t CausalAt>
Count attention_macs_with_softmax(const OpRecord& r) {
  Attention a = shapes_of(r, CausalAt);
  return mul(a.batch, a.pairs, add(add(a.e, a.ev), 4));
}


// A training step's backward of the fused kernels (grad_out, query, key, value, ...), as FlopCounterMode counts
// it: the scores recomputed (Q K^T: E per pair), dP = dO V^T and dV = P^T dO (Ev each), dQ = dS K and dK = dS^T Q
// (E each): B * P * (3E + 2Ev), with the forward's pairs P (causal: the triangle).
template <std::size_t CausalAt>
Count attention_backward_macs(const OpRecord& r) {
  Attention a = shapes_of(r, CausalAt, 1);
  return mul(a.batch, a.pairs, add(mul(3, a.e), mul(2, a.ev)));
}

template <std::size_t CausalAt>
void add_backward(OpSet& set, const char* op) {
  set.flops[std::string("aten::") + op] = {"scaled_dot_product_attention_backward", attention_backward_macs<CausalAt>,
                                           "B*P*(3E+2Ev): scores recomputed, dV, dP, dQ, dK"};
}

Count native_mha_macs(const OpRecord& r) {
  const auto& q = input_shape(r, 0);
  const auto& k = input_shape(r, 1);
  const auto& v = input_shape(r, 2);
  require(q.size() >= 2 && k.size() == q.size() && v.size() == k.size() && q.back() == k.back() &&
              v[v.size() - 2] == k[k.size() - 2],
          r, "expects query [B,L,E], key [B,S,E], value [B,S,E]");
  const Count batch = leading_product(q, 2), L = q[q.size() - 2], S = k[k.size() - 2], E = q.back();
  return mul(batch, add(add(mul(2, L, E, E), mul(2, S, E, E)), mul(2, L, S, E)));
}

// _transformer_encoder_layer_fwd(src, embed_dim, num_heads, qkv_weight, qkv_bias, proj_weight, proj_bias,
// use_gelu, norm_first, eps, norm_weight_1, norm_bias_1, norm_weight_2, norm_bias_2, ffn_weight_1, ...).
struct EncoderLayer {
  Count B, L, E, F;
};

EncoderLayer encoder_layer_shapes(const OpRecord& r) {
  const auto& src = input_shape(r, 0);
  const auto& ffn = input_shape(r, 14);
  require(src.size() == 3 && ffn.size() == 2 && ffn[1] == src[2], r, "expects src [B,L,E] and ffn_weight_1 [F,E]");
  return {src[0], src[1], src[2], ffn[0]};
}

template <bool All>
Count encoder_layer_macs(const OpRecord& r) {
  const auto [B, L, E, F] = encoder_layer_shapes(r);
  const Value& heads = input(r, 2);
  require(heads.kind == Value::Kind::Int && heads.number > 0, r, "expects num_heads, a positive int");
  const Count T = mul(B, L), pairs = mul(B, L, L);
  Count macs = add(add(mul(T, E, add(mul(4, E), mul(2, F))), mul(pairs, 2 * E)), mul(T, E, 10));
  if (All) macs = add(macs, add(mul(4, pairs, static_cast<Count>(heads.number)), add(mul(2, T, E), mul(T, F))));
  return macs;
}

// The composite path's activations: the projections' outputs (3E, E, F, E per token) and the attention's (E).
Count encoder_layer_activations(const OpRecord& r) {
  const auto [B, L, E, F] = encoder_layer_shapes(r);
  return mul(B, L, add(mul(6, E), F));
}

template <std::size_t CausalAt>
void add_forward(OpSet& set, const char* op, Tier tier) {
  const std::string name = std::string("aten::") + op;
  if (tier >= Tier::all)
    set.flops[name] = {"scaled_dot_product_attention", attention_macs_with_softmax<CausalAt>,
                       "B*P*(E+Ev) + 4*B*P softmax/scale; P = L*S, causal: sum min(i+1,S)"};
  else
    set.flops[name] = {"scaled_dot_product_attention", attention_macs<CausalAt>,
                       "B*P*(E+Ev); P = L*S, causal: sum_i min(i+1,S)"};
  set.activations[name] = {"scaled_dot_product_attention", output_elements, "numel(output)"};
}

}  // namespace

void add_attention_handlers(OpSet& set, Tier tier) {
  if (tier < Tier::standard) return;
  // (query, key, value, attn_mask, dropout_p, is_causal, ...)
  add_forward<5>(set, "scaled_dot_product_attention", tier);
  add_forward<5>(set, "_scaled_dot_product_attention_math", tier);
  add_forward<5>(set, "_scaled_dot_product_fused_attention_overrideable", tier);
  // (query, key, value, dropout_p, is_causal, ...)
  add_forward<4>(set, "_scaled_dot_product_flash_attention", tier);
  add_forward<4>(set, "_scaled_dot_product_flash_attention_for_cpu", tier);
  // (query, key, value, attn_bias, compute_log_sumexp, dropout_p, is_causal, ...)
  add_forward<6>(set, "_scaled_dot_product_efficient_attention", tier);
  add_forward<6>(set, "_scaled_dot_product_cudnn_attention", tier);
  // Backward: (grad_out, query, key, value, out, logsumexp, dropout_p, is_causal, ...) on the CPU; the CUDA
  // kernels take more bookkeeping arguments before is_causal.
  add_backward<7>(set, "_scaled_dot_product_flash_attention_for_cpu_backward");
  add_backward<11>(set, "_scaled_dot_product_flash_attention_backward");
  add_backward<11>(set, "_scaled_dot_product_efficient_attention_backward");
  add_backward<14>(set, "_scaled_dot_product_cudnn_attention_backward");
  set.flops["aten::_native_multi_head_attention"] = {"_native_multi_head_attention", native_mha_macs,
                                                     "B*(2*L*E*E + 2*S*E*E + 2*L*S*E): projections and attention"};
  set.activations["aten::_native_multi_head_attention"] = {"_native_multi_head_attention", output_elements,
                                                           "numel(output)"};
  if (tier >= Tier::all)
    set.flops["aten::_transformer_encoder_layer_fwd"] = {
        "transformer_encoder_layer", encoder_layer_macs<true>,
        "T*E*(4E+2F) + 2E*B*L*L + 10*T*E + 4*B*H*L*L softmax + 2*T*E residual + T*F activation; T = B*L"};
  else
    set.flops["aten::_transformer_encoder_layer_fwd"] = {
        "transformer_encoder_layer", encoder_layer_macs<false>,
        "T*E*(4E+2F) projections + 2E*B*L*L attention + 10*T*E layer norms; T = B*L"};
  set.activations["aten::_transformer_encoder_layer_fwd"] = {"transformer_encoder_layer", encoder_layer_activations,
                                                             "T*(6E+F): the projections' and attention's outputs"};
}

}  // namespace flopscope::count
