// Attention (src/count/attention.cpp): scaled_dot_product_attention and its fused backends, causal masks,
// grouped-query attention, all's softmax and scaling, the MHA fast path. On hand-built records at odd shapes,
// with the arithmetic written out.
#include <gtest/gtest.h>

#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), macs(), named_ops(), V

// scaled_dot_product_attention(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)
std::vector<Value> sdpa(std::vector<std::int64_t> q, std::vector<std::int64_t> k, std::vector<std::int64_t> v,
                        bool causal) {
  return {V::tensor(q), V::tensor(k), V::tensor(v), V::none(), V::real(0.0), V::boolean(causal), V::none(),
          V::boolean(false)};
}

TEST(Attention, FullCausalAndGroupedQuery) {
  // q[2,3,5,8], k[2,3,7,8], v[2,3,7,6]: B = 6 batch*heads, L = 5, S = 7, E = 8, Ev = 6.
  EXPECT_EQ(macs("mmengine", "scaled_dot_product_attention", sdpa({2, 3, 5, 8}, {2, 3, 7, 8}, {2, 3, 7, 6}, false)), -1);
  EXPECT_EQ(macs("default", "scaled_dot_product_attention", sdpa({2, 3, 5, 8}, {2, 3, 7, 8}, {2, 3, 7, 6}, false)),
            6 * (5 * 7) * (8 + 6));
  // Causal, L < S: row i sees i + 1 keys: 1 + 2 + 3 + 4 + 5 = 15 pairs.
  EXPECT_EQ(macs("default", "scaled_dot_product_attention", sdpa({2, 3, 5, 8}, {2, 3, 7, 8}, {2, 3, 7, 6}, true)),
            6 * 15 * (8 + 6));
  // Causal, L = 7 > S = 5: rows 0-4 see 1..5 keys (15), rows 5-6 see all 5 (10).
  EXPECT_EQ(macs("default", "scaled_dot_product_attention", sdpa({1, 1, 7, 4}, {1, 1, 5, 4}, {1, 1, 5, 4}, true)),
            1 * 25 * 8);
  // Grouped-query attention: 8 query heads over 2 key/value heads; the query's heads count.
  EXPECT_EQ(macs("default", "scaled_dot_product_attention", sdpa({1, 8, 4, 16}, {1, 2, 4, 16}, {1, 2, 4, 16}, false)),
            8 * 16 * 32);
}

TEST(Attention, FlashKernelCausalAtArgument4) {
  EXPECT_EQ(macs("default", "_scaled_dot_product_flash_attention",
                 {V::tensor({1, 2, 3, 4}), V::tensor({1, 2, 3, 4}), V::tensor({1, 2, 3, 4}), V::real(0), V::boolean(true)}),
            2 * 6 * 8);
}

TEST(Attention, AllAddsSoftmaxAndScaling) {
  // all adds softmax and scaling: 4 per pair.
  EXPECT_EQ(macs("all", "scaled_dot_product_attention", sdpa({2, 3, 5, 8}, {2, 3, 7, 8}, {2, 3, 7, 6}, false)),
            6 * 35 * (8 + 6 + 4));
}

TEST(Attention, NativeMultiHeadAttentionFastPath) {
  // The MHA fast path at L = 5 queries, S = 7 keys, E = 12, batch 2: q projection 2*5*144, k and v
  // projections 2 * 2*7*144, attention 2*5*7*2*12, output projection 2*5*144.
  EXPECT_EQ(macs("default", "_native_multi_head_attention", {V::tensor({2, 5, 12}), V::tensor({2, 7, 12}),
                                                             V::tensor({2, 7, 12})}),
            2 * 5 * 144 + 2 * (2 * 7 * 144) + 2 * 5 * 7 * 2 * 12 + 2 * 5 * 144);
}

// _transformer_encoder_layer_fwd(src, embed_dim, num_heads, qkv_weight, qkv_bias, proj_weight, proj_bias,
// use_gelu, norm_first, eps, norm_weight_1, norm_bias_1, norm_weight_2, norm_bias_2, ffn_weight_1, ffn_bias_1,
// ffn_weight_2, ffn_bias_2, mask, mask_type) at B = 3, L = 5, E = 6, heads 2, F = 7.
std::vector<Value> encoder_layer(std::vector<std::int64_t> src, std::int64_t heads, std::int64_t ffn) {
  const std::int64_t e = src.back();
  return {V::tensor(src),      V::integer(e),      V::integer(heads), V::tensor({3 * e, e}), V::tensor({3 * e}),
          V::tensor({e, e}),   V::tensor({e}),     V::boolean(false), V::boolean(false),     V::real(1e-5),
          V::tensor({e}),      V::tensor({e}),     V::tensor({e}),    V::tensor({e}),        V::tensor({ffn, e}),
          V::tensor({ffn}),    V::tensor({e, ffn}), V::tensor({e}),   V::none(),             V::none()};
}

TEST(Attention, TransformerEncoderLayerFastPath) {
  // 15 tokens: projections 15 * (6*18 + 6*6 + 6*7 + 7*6); attention 3 batches * 5 * 5 pairs * (3 + 3) per head *
  // 2 heads; two affine layer norms 2 * 15*6 * 5.
  const std::int64_t composite = 15 * (6 * 18 + 6 * 6 + 6 * 7 + 7 * 6) + 3 * 25 * 6 * 2 + 2 * 90 * 5;
  EXPECT_EQ(macs("default", "_transformer_encoder_layer_fwd", encoder_layer({3, 5, 6}, 2, 7)), composite);
  // all: softmax and scaling 4 per pair and head (3 * 25 * 2), two residual adds (2 * 90), the activation (15 * 7).
  EXPECT_EQ(macs("all", "_transformer_encoder_layer_fwd", encoder_layer({3, 5, 6}, 2, 7)),
            composite + 4 * 3 * 25 * 2 + 2 * 90 + 15 * 7);
  EXPECT_EQ(macs("mmengine", "_transformer_encoder_layer_fwd", encoder_layer({3, 5, 6}, 2, 7)), -1);
  // Activations: the projections' outputs (18 + 6 + 7 + 6 per token) and the attention's (6).
  auto r = op("aten::_transformer_encoder_layer_fwd", encoder_layer({3, 5, 6}, 2, 7), {V::tensor({3, 5, 6})});
  EXPECT_EQ(named_ops("default").activations.at(r.name).formula(r), 15 * (18 + 6 + 7 + 6 + 6));
  // An unbatched src, or a feed-forward weight of another width, is refused.
  EXPECT_THROW(macs("default", "_transformer_encoder_layer_fwd", encoder_layer({5, 6}, 2, 7)), FormulaError);
  auto wrong = encoder_layer({3, 5, 6}, 2, 7);
  wrong[14] = V::tensor({7, 5});
  EXPECT_THROW(macs("default", "_transformer_encoder_layer_fwd", wrong), FormulaError);
}

TEST(Attention, CausalPairsAtOddAndEvenLengths) {
  // B*P*(E+Ev), causal P = sum_i min(i+1, S). q[3,1,13,5], k[3,1,13,5], v[3,1,13,7]: B = 3, L = S = 13 (odd).
  EXPECT_EQ(macs("default", "scaled_dot_product_attention", sdpa({3, 1, 13, 5}, {3, 1, 13, 5}, {3, 1, 13, 7}, true)),
            3 * (13 * 14 / 2) * (5 + 7));
  // L = S = 6 (even): 1 + 2 + ... + 6 pairs per head; B = 5 heads.
  EXPECT_EQ(macs("default", "scaled_dot_product_attention", sdpa({1, 5, 6, 3}, {1, 5, 6, 3}, {1, 5, 6, 7}, true)),
            5 * (1 + 2 + 3 + 4 + 5 + 6) * (3 + 7));
  // L = 13 > S = 3: rows 0-2 see 1, 2, 3 keys, rows 3-12 (10 rows) see all 3.
  EXPECT_EQ(macs("default", "scaled_dot_product_attention", sdpa({1, 1, 13, 5}, {1, 1, 3, 5}, {1, 1, 3, 7}, true)),
            1 * ((1 + 2 + 3) + 10 * 3) * (5 + 7));
  // A 3-D query [B, L, E] (no head dimension): B = 7.
  EXPECT_EQ(macs("default", "scaled_dot_product_attention", sdpa({7, 5, 3}, {7, 11, 3}, {7, 11, 13}, false)),
            7 * (5 * 11) * (3 + 13));
}

TEST(Attention, FusedBackendsReadIsCausalAtTheirPosition) {
  // q[1,3,5,7], k[1,3,5,7], v[1,3,5,13]: B = 3, L = S = 5, E = 7, Ev = 13.
  const Count full = 3 * (5 * 5) * (7 + 13);
  const Count causal = 3 * (1 + 2 + 3 + 4 + 5) * (7 + 13);
  auto qkv = [] { return std::vector<Value>{V::tensor({1, 3, 5, 7}), V::tensor({1, 3, 5, 7}), V::tensor({1, 3, 5, 13})}; };
  // (query, key, value, attn_bias, compute_log_sumexp, dropout_p, is_causal, ...): is_causal at 6.
  for (const char* name : {"_scaled_dot_product_efficient_attention", "_scaled_dot_product_cudnn_attention"}) {
    auto in = qkv();
    for (auto v : {V::none(), V::boolean(true), V::real(0), V::boolean(true)}) in.push_back(v);
    EXPECT_EQ(macs("default", name, in), causal) << name;
    in[6] = V::boolean(false);  // compute_log_sumexp (4) is true, but it is not the causal flag
    EXPECT_EQ(macs("default", name, in), full) << name;
  }
  // (query, key, value, dropout_p, is_causal, ...): is_causal at 4.
  auto flash_cpu = qkv();
  for (auto v : {V::real(0), V::boolean(true)}) flash_cpu.push_back(v);
  EXPECT_EQ(macs("default", "_scaled_dot_product_flash_attention_for_cpu", flash_cpu), causal);
  // The math backend, is_causal at 5; an explicit attn_mask is counted in full.
  auto math = qkv();
  for (auto v : {V::tensor({5, 5}), V::real(0), V::boolean(false)}) math.push_back(v);
  EXPECT_EQ(macs("default", "_scaled_dot_product_attention_math", math), full);
  // Under all, each backend adds 4 per pair: B*P*(E+Ev) + 4*B*P.
  EXPECT_EQ(macs("all", "_scaled_dot_product_flash_attention_for_cpu", flash_cpu),
            3 * (1 + 2 + 3 + 4 + 5) * (7 + 13) + 4 * 3 * (1 + 2 + 3 + 4 + 5));
}

TEST(Attention, NativeMultiHeadAttentionAtOddShapes) {
  // B*(2*L*E*E + 2*S*E*E + 2*L*S*E) at B = 3, L = 5, S = 7, E = 13.
  EXPECT_EQ(macs("default", "_native_multi_head_attention", {V::tensor({3, 5, 13}), V::tensor({3, 7, 13}),
                                                             V::tensor({3, 7, 13})}),
            3 * (2 * 5 * 13 * 13 + 2 * 7 * 13 * 13 + 2 * 5 * 7 * 13));
  EXPECT_EQ(macs("mmengine", "_native_multi_head_attention", {V::tensor({3, 5, 13}), V::tensor({3, 7, 13}),
                                                              V::tensor({3, 7, 13})}),
            -1);
  // key's embedding differs from the query's.
  EXPECT_THROW(macs("default", "_native_multi_head_attention", {V::tensor({3, 5, 13}), V::tensor({3, 7, 11}),
                                                                V::tensor({3, 7, 13})}),
               FormulaError);
}

TEST(Attention, ActivationsAndBadShapes) {
  // Activations: numel(output).
  auto r = op("aten::scaled_dot_product_attention", sdpa({2, 3, 5, 7}, {2, 3, 11, 7}, {2, 3, 11, 13}, false),
              {V::tensor({2, 3, 5, 13})});
  EXPECT_EQ(named_ops("default").activations.at(r.name).formula(r), 2 * 3 * 5 * 13);
  EXPECT_EQ(named_ops("default").flops.at(r.name).key, "scaled_dot_product_attention");
  // query and key differ in E; key and value differ in S.
  EXPECT_THROW(macs("default", "scaled_dot_product_attention", sdpa({1, 1, 5, 7}, {1, 1, 5, 3}, {1, 1, 5, 7}, false)),
               FormulaError);
  EXPECT_THROW(macs("default", "scaled_dot_product_attention", sdpa({1, 1, 5, 7}, {1, 1, 5, 7}, {1, 1, 3, 7}, false)),
               FormulaError);
}

}  // namespace
}  // namespace flopscope

namespace flopscope {
namespace {

using namespace test;

// _scaled_dot_product_flash_attention_for_cpu_backward(grad_out, query, key, value, out, logsumexp, dropout_p,
//                                                        is_causal, attn_mask, scale)
std::vector<Value> cpu_backward(std::vector<std::int64_t> q, std::vector<std::int64_t> k, std::vector<std::int64_t> v,
                                bool causal) {
  std::vector<std::int64_t> o = q;
  o.back() = v.back();
  return {V::tensor(o), V::tensor(q), V::tensor(k), V::tensor(v), V::tensor(o), V::tensor({q[0], q[1], q[2]}),
          V::real(0.0), V::boolean(causal), V::none(), V::none()};
}

TEST(AttentionBackward, RecomputedScoresAndFourProducts) {
  // q[2,3,5,8], k[2,3,7,8], v[2,3,7,6]: B = 6, pairs L*S = 35, E = 8, Ev = 6. Scores recomputed (E), dP and dV
  // (Ev each), dQ and dK (E each): 35 * (3*8 + 2*6) per batch-head.
  EXPECT_EQ(macs("default", "_scaled_dot_product_flash_attention_for_cpu_backward",
                 cpu_backward({2, 3, 5, 8}, {2, 3, 7, 8}, {2, 3, 7, 6}, false)),
            6 * 35 * (3 * 8 + 2 * 6));
  // Causal, L = S = 7: 1 + 2 + ... + 7 = 28 pairs.
  EXPECT_EQ(macs("default", "_scaled_dot_product_flash_attention_for_cpu_backward",
                 cpu_backward({1, 2, 7, 4}, {1, 2, 7, 4}, {1, 2, 7, 4}, true)),
            2 * 28 * (3 * 4 + 2 * 4));
  EXPECT_EQ(macs("mmengine", "_scaled_dot_product_flash_attention_for_cpu_backward",
                 cpu_backward({1, 2, 7, 4}, {1, 2, 7, 4}, {1, 2, 7, 4}, true)),
            -1);
}

}  // namespace
}  // namespace flopscope
