// Recurrent layers (src/count/rnn.cpp, default and all): steps x sequences times the sum of numel over the
// 2-D weights, for lstm, gru, rnn_tanh and rnn_relu, either layout, packed, bidirectional, with projections.
// On hand-built records at odd shapes, with the arithmetic written out.
#include <gtest/gtest.h>

#include "support/records.h"

namespace flopscope {
namespace {

using namespace test;  // op(), macs(), named_ops(), V

TEST(Rnn, BidirectionalTwoLayerLstm) {
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
}

TEST(Rnn, BatchFirstGru) {
  // GRU: 3 gates, one layer, hidden 6, input 2, batch-first [N=4, T=9, 2].
  std::vector<Value> gru = {V::tensor({4, 9, 2}), V::tensor({1, 4, 6}), V::tensor_list({{18, 2}, {18, 6}, {18}, {18}}),
                            V::boolean(true), V::integer(1), V::real(0), V::boolean(false), V::boolean(false),
                            V::boolean(true)};
  EXPECT_EQ(macs("default", "gru", gru), 4 * 9 * (18 * 2 + 18 * 6));
}

// rnn_tanh/rnn_relu/gru(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
std::vector<Value> rnn_args(std::vector<std::int64_t> x, std::vector<std::int64_t> hx,
                            std::vector<std::vector<std::int64_t>> params, bool bidirectional, bool batch_first) {
  return {V::tensor(std::move(x)), V::tensor(std::move(hx)), V::tensor_list(std::move(params)), V::boolean(true),
          V::integer(1), V::real(0), V::boolean(false), V::boolean(bidirectional), V::boolean(batch_first)};
}

TEST(Rnn, ElmanCellsAtOddShapes) {
  // One gate: rnn_tanh, input 5, hidden 7, on [T=11, N=3, 5]: w_ih (7, 5), w_hh (7, 7).
  EXPECT_EQ(macs("default", "rnn_tanh", rnn_args({11, 3, 5}, {1, 3, 7}, {{7, 5}, {7, 7}, {7}, {7}}, false, false)),
            11 * 3 * (7 * 5 + 7 * 7));
  // rnn_relu, bidirectional, batch-first [N=2, T=13, 3], hidden 5: each direction w_ih (5, 3), w_hh (5, 5).
  EXPECT_EQ(macs("default", "rnn_relu", rnn_args({2, 13, 3}, {2, 2, 5},
                                                 {{5, 3}, {5, 5}, {5}, {5}, {5, 3}, {5, 5}, {5}, {5}}, true, true)),
            2 * 13 * 2 * (5 * 3 + 5 * 5));
  // Without biases the list holds only the 2-D weights: the same count.
  EXPECT_EQ(macs("all", "rnn_tanh", rnn_args({11, 3, 5}, {1, 3, 7}, {{7, 5}, {7, 7}}, false, false)),
            11 * 3 * (7 * 5 + 7 * 7));
  for (const char* name : {"rnn_tanh", "rnn_relu", "gru"})
    EXPECT_EQ(macs("mmengine", name, rnn_args({11, 3, 5}, {1, 3, 7}, {{7, 5}, {7, 7}}, false, false)), -1) << name;
}

TEST(Rnn, LstmWithProjectionAndUnbatched) {
  // proj_size 3, hidden 7, input 5: w_ih (28, 5), w_hh (28, 3) (the projected state), w_hr (3, 7); batch-first
  // [N=2, T=13, 5].
  std::vector<Value> lstm = {V::tensor({2, 13, 5}), V::tensor_list({{1, 2, 3}, {1, 2, 7}}),
                             V::tensor_list({{28, 5}, {28, 3}, {28}, {28}, {3, 7}}), V::boolean(true), V::integer(1),
                             V::real(0), V::boolean(false), V::boolean(false), V::boolean(true)};
  EXPECT_EQ(macs("default", "lstm", lstm), 2 * 13 * (28 * 5 + 28 * 3 + 3 * 7));
  // An unbatched input [T=13, 5]: 13 steps of one sequence.
  lstm[0] = V::tensor({13, 5});
  EXPECT_EQ(macs("default", "lstm", lstm), 13 * (28 * 5 + 28 * 3 + 3 * 7));
}

TEST(Rnn, PackedSequences) {
  // lstm.data(data[17, 5], batch_sizes[7], hx, params, has_biases, num_layers, dropout, train, bidirectional):
  // 17 steps in all, hidden 3: w_ih (12, 5), w_hh (12, 3).
  std::vector<Value> lstm = {V::tensor({17, 5}), V::tensor({7}), V::tensor_list({{1, 3, 3}, {1, 3, 3}}),
                             V::tensor_list({{12, 5}, {12, 3}, {12}, {12}}), V::boolean(true), V::integer(1),
                             V::real(0), V::boolean(false), V::boolean(false)};
  EXPECT_EQ(macs("default", "lstm", lstm), 17 * (12 * 5 + 12 * 3));
  // gru.data: data[19, 2], hidden 5, 3 gates.
  std::vector<Value> gru = {V::tensor({19, 2}), V::tensor({5}), V::tensor({1, 5, 5}),
                            V::tensor_list({{15, 2}, {15, 5}, {15}, {15}}), V::boolean(true), V::integer(1),
                            V::real(0), V::boolean(false), V::boolean(false)};
  EXPECT_EQ(macs("default", "gru", gru), 19 * (15 * 2 + 15 * 5));
}

TEST(Rnn, ActivationsAndBadRecords) {
  // Activations: numel(output) (the first result; lstm also returns h_n and c_n).
  auto r = op("aten::gru", rnn_args({11, 3, 5}, {1, 3, 7}, {{21, 5}, {21, 7}}, false, false),
              {V::tensor({11, 3, 7}), V::tensor({1, 3, 7})});
  EXPECT_EQ(named_ops("default").activations.at(r.name).formula(r), 11 * 3 * 7);
  EXPECT_EQ(named_ops("default").flops.at(r.name).key, "gru");
  // No weight list, or an input without a feature dimension.
  EXPECT_THROW(macs("default", "gru", {V::tensor({11, 3, 5}), V::tensor({1, 3, 7})}), FormulaError);
  EXPECT_THROW(macs("default", "rnn_tanh", rnn_args({11}, {1, 7}, {{7, 1}, {7, 7}}, false, false)), FormulaError);
}

}  // namespace
}  // namespace flopscope

namespace flopscope {
namespace {

using namespace test;

TEST(RnnBackward, TwiceTheLayersForward) {
  // One LSTM layer-direction, input [T=13, N=3, I=7], H = 5: w_ih [20, 7], w_hh [20, 5]. dX, dW_ih, dh, dW_hh:
  // 2 * 39 * (140 + 100).
  std::vector<Value> in = {V::tensor({13, 3, 7}), V::tensor({20, 7}), V::tensor({20, 5}), V::tensor({20}),
                           V::tensor({20})};
  EXPECT_EQ(macs("default", "mkldnn_rnn_layer_backward", in), 2 * (13 * 3) * (20 * 7 + 20 * 5));
  EXPECT_EQ(macs("mmengine", "mkldnn_rnn_layer_backward", in), -1);
}

// cuDNN's backward of a whole LSTM (CUDA): input [5,3,10], one layer, hidden 20: w_ih [80,10], w_hh [80,20] and the
// biases. The data pass is the forward's 15 * (800 + 1600) MACs; the weights' gradient (output_mask[3]) as much again.
TEST(RnnBackward, CudnnDataPassAndWeightsPass) {
  auto call = [](bool weights) {
    std::vector<Value> in = {V::tensor({5, 3, 10}), V::tensor_list({{80, 10}, {80, 20}, {80}, {80}}), V::integer(4),
                             V::tensor({4800}), V::tensor({1, 3, 20}), V::tensor({1, 3, 20}), V::tensor({5, 3, 20})};
    while (in.size() < 21) in.push_back(V::none());
    in.push_back(V::int_list({1, 1, 1, weights ? 1 : 0}));
    return macs("default", "_cudnn_rnn_backward", in);
  };
  EXPECT_EQ(call(true), 2 * (5 * 3) * (80 * 10 + 80 * 20));
  EXPECT_EQ(call(false), (5 * 3) * (80 * 10 + 80 * 20));  // frozen weights: the data pass only
}

}  // namespace
}  // namespace flopscope
