// Convolutions. The weight's shape (Cout, Cin/groups, k...) already carries the groups, so grouped and
// depthwise convolutions are exact: MACs = N · numel(W) · prod(output spatial dims). A transposed
// convolution runs the kernel over the input instead: N · numel(W) · prod(input spatial dims) (its weight is
// (Cin, Cout/groups, k...), the same product). Bias additions are not counted.
//
// mmengine counts only aten::_convolution, which its tracer records; its set here also counts aten::convolution, the
// op that calls it (see add_conv_handlers). default also counts every form that can be the outermost op a model
// calls (scripted models call aten::conv2d, CUDA backends cudnn_convolution).
#include "count/families.h"
#include "count/shapes.h"

namespace flopscope::count {
namespace {

Count conv_macs(const OpRecord& r, bool transposed) {
  const auto& x = input_shape(r, 0);
  const auto& w = input_shape(r, 1);
  const auto& spatial_of = transposed ? x : output_shape(r);
  require(x.size() >= 2 && spatial_of.size() >= 2, r, "expected a batch and a channel dimension");
  // An unbatched conv1d/2d/3d input (C, L...) has one dimension less than the weight.
  const bool unbatched = x.size() + 1 == w.size();
  const std::int64_t batch = unbatched ? 1 : x[0];
  return mul(batch, product(w), product(spatial_of, unbatched ? 1 : 2));
}

// aten::convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups)
Count convolution_macs(const OpRecord& r) {
  const Value& transposed = input(r, 6);
  return conv_macs(r, transposed.kind == Value::Kind::Bool && transposed.number != 0);
}

// aten::_convolution: convolution's arguments, then benchmark, deterministic, cudnn_enabled[, allow_tf32].
Count underscore_convolution_macs(const OpRecord& r) {
  require(r.inputs.size() == 12 || r.inputs.size() == 13, r, "expected 12 or 13 arguments");
  return convolution_macs(r);
}

Count forward_conv_macs(const OpRecord& r) { return conv_macs(r, false); }
Count transposed_conv_macs(const OpRecord& r) { return conv_macs(r, true); }

// torch.ao's quantized convolutions: quantized::conv2d(qx, packed weight, scale, zero point), the weight recorded
// as the tensor its packed parameters unpack to (capture/packed_weight.h). Their input is always batched
// (N, C, spatial...), and conv1d's weight is packed as a 2-d one, (Cout, Cin/groups, 1, k): same product.
// conv2d_add(qx, qaccum, packed weight, ...) adds a tensor after: its weight is the third argument.
Count quantized_conv_macs(const OpRecord& r, std::size_t weight_at, bool transposed) {
  const auto& x = input_shape(r, 0);
  const auto& w = input_shape(r, weight_at);
  const auto& spatial_of = transposed ? x : output_shape(r);
  require(x.size() >= 3 && spatial_of.size() == x.size() && !w.empty(), r,
          "expected a batched input and the packed weight's shape");
  return mul(x[0], product(w), product(spatial_of, 2));
}


// A training step's backward: aten::convolution_backward(grad_output, input, weight, bias_sizes, stride, padding,
// dilation, transposed, output_padding, groups, output_mask[3]). Each gradient it computes is one convolution of
// the forward's size: the input's (output_mask[0]; autograd asks for none for a model input) and the weight's
// (output_mask[1]; none for a frozen weight). The bias's (output_mask[2]) is a sum, not counted.
Count convolution_backward_macs(const OpRecord& r) {
  require(r.inputs.size() == 11, r, "expected 11 arguments");
  const auto& g = input_shape(r, 0);
  const auto& x = input_shape(r, 1);
  const auto& w = input_shape(r, 2);
  const Value& transposed = input(r, 7);
  const Value& mask = input(r, 10);
  require(mask.kind == Value::Kind::IntList && mask.sizes.size() == 3, r, "expected output_mask[3]");
  const bool t = transposed.kind == Value::Kind::Bool && transposed.number != 0;
  const auto& spatial_of = t ? x : g;  // the forward's output is grad_output's shape
  require(x.size() >= 2 && spatial_of.size() >= 2, r, "expected a batch and a channel dimension");
  const bool unbatched = x.size() + 1 == w.size();
  const Count one = mul(unbatched ? 1 : x[0], product(w), product(spatial_of, unbatched ? 1 : 2));
  return mul(one, mask.sizes[0] + mask.sizes[1]);
}

}  // namespace

void add_conv_handlers(OpSet& set, Tier tier) {
  set.flops["aten::_convolution"] = {"conv", underscore_convolution_macs,
                                     "N*numel(W)*prod(out spatial); transposed: N*numel(W)*prod(in spatial)"};
  set.activations["aten::_convolution"] = {"conv", output_elements, "numel(output)"};
  // Every nn.Conv's forward runs aten::convolution, which calls aten::_convolution on the CPU and CUDA; on meta
  // tensors in Python it does not (torch's Python meta kernel answers aten::convolution itself), so a shape-only
  // forward of a live module shows mmengine's op no _convolution. Counting stops at the outermost op with a
  // formula, so counting convolution too gives every other path the same numbers.
  set.flops["aten::convolution"] = {"conv", convolution_macs, "as _convolution"};
  set.activations["aten::convolution"] = {"conv", output_elements, "numel(output)"};
  if (tier < Tier::standard) return;
  for (const char* op : {"conv1d", "conv2d", "conv3d", "_convolution_mode", "cudnn_convolution", "mkldnn_convolution",
                         "_slow_conv2d_forward", "slow_conv3d_forward", "thnn_conv2d", "_nnpack_spatial_convolution",
                         "miopen_convolution", "miopen_depthwise_convolution", "_conv_depthwise2d",
                         "conv_depthwise3d", "slow_conv_dilated2d", "slow_conv_dilated3d"})
    set.flops[std::string("aten::") + op] = {"conv", forward_conv_macs, "N*numel(W)*prod(out spatial)"};
  for (const char* op : {"conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "cudnn_convolution_transpose",
                         "slow_conv_transpose2d", "slow_conv_transpose3d", "miopen_convolution_transpose"})
    set.flops[std::string("aten::") + op] = {"conv", transposed_conv_macs, "N*numel(W)*prod(in spatial)"};
  for (const char* op : {"conv1d", "conv2d", "conv3d", "conv1d_relu", "conv2d_relu", "conv3d_relu", "conv1d_dynamic",
                         "conv2d_dynamic", "conv3d_dynamic"})
    set.flops[std::string("quantized::") + op] = {
        "conv", [](const OpRecord& r) { return quantized_conv_macs(r, 1, false); },
        "N*numel(W)*prod(out spatial), W unpacked from the packed weight"};
  for (const char* op : {"conv2d_add", "conv2d_add_relu"})
    set.flops[std::string("quantized::") + op] = {
        "conv", [](const OpRecord& r) { return quantized_conv_macs(r, 2, false); },
        "N*numel(W)*prod(out spatial), W unpacked from the packed weight (the add not counted)"};
  for (const char* op : {"conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "conv_transpose1d_dynamic",
                         "conv_transpose2d_dynamic", "conv_transpose3d_dynamic"})
    set.flops[std::string("quantized::") + op] = {
        "conv", [](const OpRecord& r) { return quantized_conv_macs(r, 1, true); },
        "N*numel(W)*prod(in spatial), W unpacked from the packed weight"};
  for (const auto& [op, handler] : set.flops)
    if (handler.key == "conv") set.activations[op] = {"conv", output_elements, "numel(output)"};
  set.flops["aten::convolution_backward"] = {"conv_backward", convolution_backward_macs,
                                             "one forward conv per gradient asked for: input (mask[0]), weight (mask[1])"};
}

}  // namespace flopscope::count
