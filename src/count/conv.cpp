// Convolutions. The weight's shape (Cout, Cin/groups, k...) already carries the groups, so grouped and
// depthwise convolutions are exact: MACs = N · numel(W) · prod(output spatial dims). A transposed
// convolution runs the kernel over the input instead: N · numel(W) · prod(input spatial dims).
#include "count/families.h"
#include "count/shapes.h"

namespace flopscope::count {
namespace {

// aten::_convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups,
//                    benchmark, deterministic, cudnn_enabled[, allow_tf32])
Count convolution_macs(const OpRecord& r) {
  require(r.inputs.size() == 12 || r.inputs.size() == 13, r, "expected 12 or 13 arguments");
  const auto& x = input_shape(r, 0);
  const auto& w = input_shape(r, 1);
  const Value& transposed = input(r, 6);
  bool is_transposed = transposed.kind == Value::Kind::Bool && transposed.number != 0;
  const auto& spatial_of = is_transposed ? x : output_shape(r);
  require(x.size() >= 2 && spatial_of.size() >= 2, r, "expected a batch and a channel dimension");
  return x[0] * product(w) * product(spatial_of, 2);
}

Count output_elements(const OpRecord& r) { return product(output_shape(r)); }

}  // namespace

void add_conv_handlers(OpSet& set) {
  set.flops["aten::_convolution"] = {"conv", convolution_macs, "N*numel(W)*prod(out spatial); transposed: N*numel(W)*prod(in spatial)"};
  set.activations["aten::_convolution"] = {"conv", output_elements, "numel(output)"};
}

}  // namespace flopscope::count
