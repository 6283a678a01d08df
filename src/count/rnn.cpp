// Recurrent layers (default and all; mmengine reports them unsupported). Every time step of every sequence
// multiplies the step's input and hidden state by each weight matrix once, in every layer and direction:
//   MACs = (number of steps x sequences) * sum of numel(W) over the 2-D weights (w_ih, w_hh, LSTM's w_hr)
// where steps x sequences = prod(input shape without its feature dim) (T*N, either layout, or the packed
// total). The weights' shapes carry the gate count (4 LSTM, 3 GRU, 1 RNN), the hidden and input sizes of each
// layer, both directions and projections. Biases, gate nonlinearities and the elementwise state updates are
// not counted.
#include "count/families.h"
#include "count/shapes.h"

namespace flopscope::count {
namespace {

Count rnn_macs(const OpRecord& r) {
  const auto& x = input_shape(r, 0);
  require(x.size() >= 2, r, "expects an input with a feature dimension");
  const Value* params = nullptr;  // the weights are the last tensor list (LSTM's hx is a list too)
  for (const auto& v : r.inputs)
    if (v.kind == Value::Kind::TensorList) params = &v;
  require(params != nullptr, r, "no weight list");
  Count per_step = 0;
  for (const auto& w : params->shapes)
    if (w.size() == 2) per_step = add(per_step, mul(w[0], w[1]));
  return mul(leading_product(x, 1), per_step);
}


// A training step's backward of one LSTM layer in one direction on the CPU: aten::mkldnn_rnn_layer_backward(input,
// w_ih, w_hh, ...). With dG the gates' gradient [steps x sequences, 4H]: dX = dG W_ih and dW_ih = dG^T X, dh = dG
// W_hh and dW_hh = dG^T h: twice the layer's forward, 2 * steps*sequences * (numel(w_ih) + numel(w_hh)). The
// kernel computes dX even for a model input.
Count mkldnn_rnn_layer_backward_macs(const OpRecord& r) {
  const auto& x = input_shape(r, 0);
  const auto& w_ih = input_shape(r, 1);
  const auto& w_hh = input_shape(r, 2);
  require(x.size() >= 2 && w_ih.size() == 2 && w_hh.size() == 2, r, "expects input [T,N,I], w_ih, w_hh");
  return mul(2, leading_product(x, 1), add(mul(w_ih[0], w_ih[1]), mul(w_hh[0], w_hh[1])));
}

// The same on CUDA, every layer and direction in one call: aten::_cudnn_rnn_backward(input, weight[], ...,
// output_mask[4] = input, hx, cx, weight). cuDNN always runs the data pass (dX and dh through every step, which the
// weights' gradient needs): once the forward's MACs; the weights' pass (output_mask[3]) once more.
Count cudnn_rnn_backward_macs(const OpRecord& r) {
  const Value& mask = input(r, 21);
  require(mask.kind == Value::Kind::IntList && mask.sizes.size() == 4, r, "expected output_mask[4]");
  const Value& weights = input(r, 1);
  require(weights.kind == Value::Kind::TensorList, r, "argument 1 (weight) is not a tensor list");
  const auto& x = input_shape(r, 0);
  require(x.size() >= 2, r, "expects an input with a feature dimension");
  Count per_step = 0;
  for (const auto& w : weights.shapes)
    if (w.size() == 2) per_step = add(per_step, mul(w[0], w[1]));
  return mul(mask.sizes[3] != 0 ? 2 : 1, leading_product(x, 1), per_step);
}

}  // namespace

void add_rnn_handlers(OpSet& set, Tier tier) {
  if (tier < Tier::standard) return;
  for (const char* op : {"lstm", "gru", "rnn_tanh", "rnn_relu"}) {
    set.flops[std::string("aten::") + op] = {op, rnn_macs, "steps*sequences * sum numel(2-D weights)"};
    set.activations[std::string("aten::") + op] = {op, output_elements, "numel(output)"};
  }
  set.flops["aten::mkldnn_rnn_layer_backward"] = {"rnn_backward", mkldnn_rnn_layer_backward_macs,
                                                  "per layer and direction: 2*steps*sequences*(numel(w_ih)+numel(w_hh))"};
  set.flops["aten::_cudnn_rnn_backward"] = {"rnn_backward", cudnn_rnn_backward_macs,
                                            "forward's MACs, twice with the weights' gradient (output_mask[3])"};
}

}  // namespace flopscope::count
