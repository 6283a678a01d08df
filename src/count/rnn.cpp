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

Count output_elements(const OpRecord& r) { return product(output_shape(r)); }

}  // namespace

void add_rnn_handlers(OpSet& set, Tier tier) {
  if (tier < Tier::standard) return;
  for (const char* op : {"lstm", "gru", "rnn_tanh", "rnn_relu"}) {
    set.flops[std::string("aten::") + op] = {op, rnn_macs, "steps*sequences * sum numel(2-D weights)"};
    set.activations[std::string("aten::") + op] = {op, output_elements, "numel(output)"};
  }
}

}  // namespace flopscope::count
