// The default and all op sets: formulas at odd shapes with the arithmetic written out, and real TorchScript
// models (an LSTM, causal attention) whose ops mmengine cannot count.
#include <gtest/gtest.h>

#include "flopscope/models.h"
#include "support/records.h"
#include "test_support.h"

namespace flopscope {
namespace {

using V = Value;

Count macs(const std::string& set, const std::string& op, std::vector<Value> in, std::vector<Value> out = {}) {
  static const OpSet sets[] = {op_set_named("mmengine"), op_set_named("default"), op_set_named("all")};
  const OpSet& s = set == "mmengine" ? sets[0] : set == "default" ? sets[1] : sets[2];
  OpRecord r;
  r.name = "aten::" + op;
  r.inputs = std::move(in);
  r.outputs = std::move(out);
  auto it = s.flops.find(r.name);
  if (it == s.flops.end()) return -1;  // no formula in this set
  return it->second.formula(r);
}

TEST(DefaultSet, MatrixProductsMmengineMisses) {
  EXPECT_EQ(macs("mmengine", "baddbmm", {V::tensor({3, 5, 2}), V::tensor({3, 5, 7}), V::tensor({3, 7, 2})}), -1);
  EXPECT_EQ(macs("default", "baddbmm", {V::tensor({3, 5, 2}), V::tensor({3, 5, 7}), V::tensor({3, 7, 2})}), 3 * 5 * 7 * 2);
  EXPECT_EQ(macs("default", "addbmm", {V::tensor({5, 2}), V::tensor({3, 5, 7}), V::tensor({3, 7, 2})}), 3 * 5 * 7 * 2);
  EXPECT_EQ(macs("default", "addmv", {V::tensor({5}), V::tensor({5, 7}), V::tensor({7})}), 5 * 7);
  EXPECT_EQ(macs("default", "mv", {V::tensor({5, 7}), V::tensor({7})}), 5 * 7);
  EXPECT_EQ(macs("default", "dot", {V::tensor({11}), V::tensor({11})}), 11);
  EXPECT_EQ(macs("default", "vdot", {V::tensor({13}), V::tensor({13})}), 13);
}

TEST(DefaultSet, EveryConvolutionForm) {
  // conv2d(x[2,3,17,11], W[8,3,3,5]) -> [2,8,15,7]: 2 * 360 * 105.
  std::vector<Value> conv2d = {V::tensor({2, 3, 17, 11}), V::tensor({8, 3, 3, 5}), V::none(), V::int_list({1, 1}),
                               V::int_list({0, 0}), V::int_list({1, 1}), V::integer(1)};
  EXPECT_EQ(macs("mmengine", "conv2d", conv2d, {V::tensor({2, 8, 15, 7})}), -1);
  EXPECT_EQ(macs("default", "conv2d", conv2d, {V::tensor({2, 8, 15, 7})}), 2 * 360 * 105);
  // Unbatched conv1d: x[5,19], W[7,5,3] -> [7,17]: 1 * 105 * 17.
  EXPECT_EQ(macs("default", "conv1d", {V::tensor({5, 19}), V::tensor({7, 5, 3})}, {V::tensor({7, 17})}), 105 * 17);
  // conv_transpose2d: x[1,4,5,7], W[4,3,3,3] -> [1,3,7,9]: runs over the 5*7 input positions.
  EXPECT_EQ(macs("default", "conv_transpose2d", {V::tensor({1, 4, 5, 7}), V::tensor({4, 3, 3, 3})},
                 {V::tensor({1, 3, 7, 9})}),
            108 * 35);
  // cudnn_convolution with groups=2: x[3,4,6,6], W[6,2,3,3] -> [3,6,4,4]: 3 * 108 * 16.
  EXPECT_EQ(macs("default", "cudnn_convolution", {V::tensor({3, 4, 6, 6}), V::tensor({6, 2, 3, 3})},
                 {V::tensor({3, 6, 4, 4})}),
            3 * 108 * 16);
}

TEST(DefaultSet, ContractionsInEveryLayout) {
  // _grouped_mm, by operand ranks (K = 8, N = 12, 3 experts):
  EXPECT_EQ(macs("mmengine", "_grouped_mm", {V::tensor({13, 8}), V::tensor({3, 8, 12})}), -1);
  EXPECT_EQ(macs("default", "_grouped_mm", {V::tensor({13, 8}), V::tensor({3, 8, 12})}), 13 * 8 * 12);    // tokens
  EXPECT_EQ(macs("default", "_grouped_mm", {V::tensor({3, 5, 8}), V::tensor({3, 8, 12})}), 3 * 5 * 8 * 12);  // batched
  EXPECT_EQ(macs("default", "_grouped_mm", {V::tensor({3, 5, 8}), V::tensor({8, 12})}), 5 * 8 * 12);  // offs split N
  EXPECT_EQ(macs("default", "_grouped_mm", {V::tensor({5, 8}), V::tensor({8, 12})}), 5 * 8 * 12);     // offs split K
  EXPECT_THROW(macs("default", "_grouped_mm", {V::tensor({13, 7}), V::tensor({3, 8, 12})}), FormulaError);
  // tensordot(a[2,3,5,7], b[5,7,11], dims ([2,3],[0,1])): a's free 2*3 positions, each against all of b.
  EXPECT_EQ(macs("default", "tensordot", {V::tensor({2, 3, 5, 7}), V::tensor({5, 7, 11}), V::int_list({2, 3}),
                                          V::int_list({0, 1})}),
            2 * 3 * 5 * 7 * 11);
  EXPECT_EQ(macs("default", "tensordot", {V::tensor({2, 3, 5}), V::tensor({5, 4}), V::int_list({-1}), V::int_list({0})}),
            2 * 3 * 5 * 4);
  // inner: a[2,3,5] with b[7,5] -> [2,3,7], 5 each; a 0-d operand is a product by a scalar.
  EXPECT_EQ(macs("default", "inner", {V::tensor({2, 3, 5}), V::tensor({7, 5})}), 2 * 3 * 7 * 5);
  EXPECT_EQ(macs("default", "inner", {V::tensor({}), V::tensor({7, 5})}), 7 * 5);
  // multi_dot([v[3], M[3,4], N[4,2]]): a row [1,3] first; (vM)N = 1*3*4 + 1*4*2 beats v(MN) = 3*4*2 + 1*3*2.
  EXPECT_EQ(macs("default", "linalg_multi_dot", {V::tensor_list({{3}, {3, 4}, {4, 2}})}), 1 * 3 * 4 + 1 * 4 * 2);
  // Two matrices: one product.
  EXPECT_EQ(macs("default", "linalg_multi_dot", {V::tensor_list({{5, 3}, {3, 2}})}), 5 * 3 * 2);
  // bilinear(x1[2,3,5], x2[2,3,7], W[4,5,7]): 6 rows; x1 with W, then with x2.
  EXPECT_EQ(macs("default", "bilinear", {V::tensor({2, 3, 5}), V::tensor({2, 3, 7}), V::tensor({4, 5, 7})}),
            6 * 4 * 5 * 7 + 6 * 4 * 7);
  // cdist(x1[2,5,3], x2[2,7,3]): 2 batches of 5 x 7 pairs, 3 coordinates.
  EXPECT_EQ(macs("default", "cdist", {V::tensor({2, 5, 3}), V::tensor({2, 7, 3})}), 2 * 5 * 7 * 3);
  // The MHA fast path at L = 5 queries, S = 7 keys, E = 12, batch 2: q projection 2*5*144, k and v
  // projections 2 * 2*7*144, attention 2*5*7*2*12, output projection 2*5*144.
  EXPECT_EQ(macs("default", "_native_multi_head_attention", {V::tensor({2, 5, 12}), V::tensor({2, 7, 12}),
                                                             V::tensor({2, 7, 12})}),
            2 * 5 * 144 + 2 * (2 * 7 * 144) + 2 * 5 * 7 * 2 * 12 + 2 * 5 * 144);
}

std::vector<Value> sdpa(std::vector<std::int64_t> q, std::vector<std::int64_t> k, std::vector<std::int64_t> v,
                        bool causal) {
  return {V::tensor(q), V::tensor(k), V::tensor(v), V::none(), V::real(0.0), V::boolean(causal), V::none(),
          V::boolean(false)};
}

TEST(DefaultSet, Attention) {
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
  // The flash kernel's is_causal sits at argument 4.
  EXPECT_EQ(macs("default", "_scaled_dot_product_flash_attention",
                 {V::tensor({1, 2, 3, 4}), V::tensor({1, 2, 3, 4}), V::tensor({1, 2, 3, 4}), V::real(0), V::boolean(true)}),
            2 * 6 * 8);
  // all adds softmax and scaling: 4 per pair.
  EXPECT_EQ(macs("all", "scaled_dot_product_attention", sdpa({2, 3, 5, 8}, {2, 3, 7, 8}, {2, 3, 7, 6}, false)),
            6 * 35 * (8 + 6 + 4));
}

TEST(DefaultSet, RecurrentLayers) {
  // 2-layer bidirectional LSTM, input 5, hidden 4, on [T=7, N=3, 5]: per direction, layer 0 has w_ih (16, 5)
  // and w_hh (16, 4); layer 1 has w_ih (16, 8) (both directions' outputs) and w_hh (16, 4). Biases excluded.
  std::vector<std::vector<std::int64_t>> params;
  for (int layer = 0; layer < 2; ++layer)
    for (int dir = 0; dir < 2; ++dir)
      for (auto shape : std::vector<std::vector<std::int64_t>>{{16, layer == 0 ? 5 : 8}, {16, 4}, {16}, {16}})
        params.push_back(shape);
  const Count per_step = 2 * (16 * 5 + 16 * 4) + 2 * (16 * 8 + 16 * 4);
  std::vector<Value> lstm = {V::tensor({7, 3, 5}), V::tensor_list({{4, 3, 4}, {4, 3, 4}}), V::tensor_list(params),
                             V::boolean(true), V::integer(2), V::real(0), V::boolean(false), V::boolean(true),
                             V::boolean(false)};
  EXPECT_EQ(macs("mmengine", "lstm", lstm), -1);
  EXPECT_EQ(macs("default", "lstm", lstm), 7 * 3 * per_step);
  // GRU: 3 gates, one layer, hidden 6, input 2, batch-first [N=4, T=9, 2].
  std::vector<Value> gru = {V::tensor({4, 9, 2}), V::tensor({1, 4, 6}), V::tensor_list({{18, 2}, {18, 6}, {18}, {18}}),
                            V::boolean(true), V::integer(1), V::real(0), V::boolean(false), V::boolean(false),
                            V::boolean(true)};
  EXPECT_EQ(macs("default", "gru", gru), 4 * 9 * (18 * 2 + 18 * 6));
}

TEST(DefaultSet, EmbeddingsNormsUpsampling) {
  EXPECT_EQ(macs("default", "embedding", {V::tensor({100, 6}), V::tensor({2, 13})}), 0);
  EXPECT_EQ(macs("default", "embedding_bag", {V::tensor({100, 6}), V::tensor({13}), V::tensor({3})}), 13 * 6);
  // native_layer_norm(x[3,7,11], [11], weight, bias): 5 per element.
  EXPECT_EQ(macs("default", "native_layer_norm", {V::tensor({3, 7, 11}), V::int_list({11}), V::tensor({11}), V::tensor({11})}),
            5 * 3 * 7 * 11);
  // _native_batch_norm_legit_no_training(x[2,3,5,7], weight, ...): eval, 2 per element.
  EXPECT_EQ(macs("default", "_native_batch_norm_legit_no_training", {V::tensor({2, 3, 5, 7}), V::tensor({3})}),
            2 * 2 * 3 * 5 * 7);
  EXPECT_EQ(macs("default", "upsample_bicubic2d", {V::tensor({1, 2, 3, 4})}, {V::tensor({1, 2, 6, 8})}), 16 * 96);
  EXPECT_EQ(macs("default", "upsample_trilinear3d", {V::tensor({1, 1, 2, 2, 2})}, {V::tensor({1, 1, 3, 4, 5})}), 8 * 60);
  EXPECT_EQ(macs("default", "upsample_linear1d", {V::tensor({1, 2, 5})}, {V::tensor({1, 2, 9})}), 2 * 18);
  EXPECT_EQ(macs("mmengine", "upsample_bicubic2d", {V::tensor({1, 2, 3, 4})}, {V::tensor({1, 2, 6, 8})}), -1);
}

TEST(AllSet, PoolingSoftmaxElementwise) {
  EXPECT_EQ(macs("default", "max_pool2d", {V::tensor({1, 2, 9, 9}), V::int_list({3, 3})}, {V::tensor({1, 2, 4, 4})}), -1);
  // 3x3 windows over 2*4*4 outputs; a single kernel value means square.
  EXPECT_EQ(macs("all", "max_pool2d", {V::tensor({1, 2, 9, 9}), V::int_list({3, 3})}, {V::tensor({1, 2, 4, 4})}), 32 * 9);
  EXPECT_EQ(macs("all", "avg_pool2d", {V::tensor({1, 2, 9, 9}), V::int_list({3})}, {V::tensor({1, 2, 4, 4})}), 32 * 9);
  EXPECT_EQ(macs("all", "max_pool1d", {V::tensor({2, 3, 11}), V::int_list({2})}, {V::tensor({2, 3, 5})}), 30 * 2);
  EXPECT_EQ(macs("all", "adaptive_max_pool2d", {V::tensor({1, 3, 5, 7})}, {V::tensor({1, 3, 1, 1})}), 105);
  EXPECT_EQ(macs("all", "softmax", {V::tensor({2, 5}), V::integer(-1)}, {V::tensor({2, 5})}), 30);
  EXPECT_EQ(macs("all", "add_", {V::tensor({3, 4}), V::tensor({4})}, {V::tensor({3, 4})}), 12);
  EXPECT_EQ(macs("all", "relu_", {V::tensor({3, 4})}, {V::tensor({3, 4})}), 12);
  EXPECT_EQ(macs("all", "mean", {V::tensor({3, 4, 5})}, {V::tensor({3})}), 60);
}

TEST(OpSets, DefaultLeavesMmenginesModelsUnchanged) {
  // TestNet and ResNet-50 use no op that default adds: the same numbers as mmengine's (seed examples).
  for (const char* set : {"mmengine", "default"}) {
    auto r50 = models::make_builtin("resnet50");
    Options o;
    o.input_shape = {3, 224, 224};
    o.op_set = set;
    auto info = analyze(*r50.module, r50.forward, o);
    EXPECT_EQ(info.flops, 4144854528LL) << set;
    EXPECT_EQ(info.activations, 11114984LL) << set;
  }
}

TEST(OpSets, RealLstmAndCausalAttention) {
  auto lstm = test::load_fixture("lstm.pt");
  Options o;
  o.input_shape = {{7, 3, 5}};
  o.prepend_batch = false;
  o.op_set = "mmengine";
  auto info = analyze(lstm, o);
  EXPECT_EQ(info.flops, 0);
  ASSERT_FALSE(info.analysis.flops.unsupported.empty());
  EXPECT_EQ(info.analysis.flops.unsupported.items()[0].first, "aten::lstm");
  o.op_set = "default";
  const Count per_step = 2 * (16 * 5 + 16 * 4) + 2 * (16 * 8 + 16 * 4);
  EXPECT_EQ(analyze(lstm, o).flops, 7 * 3 * per_step);

  auto attention = test::load_fixture("causal_attention.pt");
  o.input_shape = {{2, 3, 5, 8}};
  // B = 6, L = S = 5 causal: 15 pairs, E = Ev = 8.
  EXPECT_EQ(analyze(attention, o).flops, 6 * 15 * 16);
  o.op_set = "all";
  EXPECT_EQ(analyze(attention, o).flops, 6 * 15 * 20);
}

TEST(OpSets, MmengineIgnoresAndActivations) {
  EXPECT_EQ(test::mmengine_ops().ignored.count("aten::relu_"), 1u);
  EXPECT_EQ(test::mmengine_ops().ignored.count("aten::add_"), 0u);
  EXPECT_EQ(test::mmengine_ops().activations.count("aten::batch_norm"), 0u);  // mmengine counts no activations for norms
  EXPECT_EQ(test::mmengine_ops().activations.count("aten::mm"), 0u);
  EXPECT_THROW(op_set_named("nope"), std::exception);
}

}  // namespace
}  // namespace flopscope
