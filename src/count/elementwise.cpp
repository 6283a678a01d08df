// Elementwise work (all only; mmengine ignores relu and reports the rest unsupported). One operation per
// output element, whatever the function: transcendental functions are not weighted, so that the count stays
// a property of the shapes rather than of a math library.
//   activation functions, arithmetic, clamps:    numel(output)
//   softmax, log_softmax:                        3 * numel(input)    (exp, sum, divide or subtract)
//   reductions (sum, mean, amax, ...):           numel(input)
// A training step's backward, by the same rule:
//   an activation's backward (threshold_backward for relu, gelu_backward, ...): numel(grad_output)
//   softmax and log_softmax backward:            4 * numel(grad_output)  (y*g, row sum, subtract, scale; or
//                                                exp(y), row sum of g, multiply, subtract)
// The arithmetic autograd runs for the rest (mul, add, div, ...) is counted as those ops.
#include "count/families.h"
#include "count/shapes.h"

namespace flopscope::count {
namespace {

Count softmax_flops(const OpRecord& r) { return mul(3, product(input_shape(r, 0))); }
Count softmax_backward(const OpRecord& r) { return mul(4, product(input_shape(r, 0))); }

}  // namespace

void add_elementwise_handlers(OpSet& set, Tier tier) {
  if (tier < Tier::all) return;
  static const char* const kPerOutput[] = {
      // activation functions, in place too
      "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "gelu", "gelu_", "silu", "silu_", "sigmoid", "sigmoid_",
      "tanh", "tanh_", "hardswish", "hardswish_", "hardsigmoid", "hardsigmoid_", "hardtanh", "hardtanh_", "elu",
      "elu_", "selu", "selu_", "celu", "mish", "mish_", "softplus", "prelu", "glu", "threshold", "threshold_",
      "clamp", "clamp_", "clamp_min", "clamp_min_", "clamp_max", "clamp_max_",
      // arithmetic
      "add", "add_", "sub", "sub_", "rsub", "mul", "mul_", "div", "div_", "neg", "abs", "exp", "exp_", "log", "log_",
      "sqrt", "sqrt_", "rsqrt", "rsqrt_", "pow", "pow_", "reciprocal", "square", "addcmul", "addcmul_", "addcdiv",
      "addcdiv_", "maximum", "minimum", "floor_divide", "remainder", "floor", "ceil", "round", "sin", "cos", "erf",
  };
  for (const char* op : kPerOutput) set.flops[std::string("aten::") + op] = {op, output_elements, "numel(output)"};
  for (const char* op : {"softmax", "log_softmax", "_softmax", "_log_softmax"})
    set.flops[std::string("aten::") + op] = {op, softmax_flops, "3*numel(input)"};
  for (const char* op : {"threshold_backward", "gelu_backward", "silu_backward", "sigmoid_backward", "tanh_backward",
                         "hardswish_backward", "hardsigmoid_backward", "hardtanh_backward", "leaky_relu_backward",
                         "elu_backward", "softplus_backward", "mish_backward"})
    set.flops[std::string("aten::") + op] = {"activation_backward", input_elements, "numel(grad_output)"};
  for (const char* op : {"_softmax_backward_data", "_log_softmax_backward_data"})
    set.flops[std::string("aten::") + op] = {"softmax_backward", softmax_backward, "4*numel(grad_output)"};
  for (const char* op : {"sum", "mean", "amax", "amin", "prod", "cumsum", "logsumexp", "norm", "linalg_vector_norm"})
    set.flops[std::string("aten::") + op] = {op, input_elements, "numel(input)"};
}

}  // namespace flopscope::count
