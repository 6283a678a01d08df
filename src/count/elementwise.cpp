// Elementwise work (all only; mmengine ignores relu and reports the rest unsupported). One operation per
// output element, whatever the function: transcendental functions are not weighted, so that the count stays
// a property of the shapes rather than of a math library.
//   activation functions, arithmetic, clamps:    numel(output)
//   softmax, log_softmax:                        3 * numel(input)    (exp, sum, divide or subtract)
//   reductions (sum, mean, amax, ...):           numel(input)
//   var, std (and their _mean forms):            2 * numel(input)    (the mean's sum, then each deviation's square)
//   diff, n times along a dim of length L:       sum over k = 1..n of (L - k) per line   (one subtraction each)
//   _weight_norm (weight_norm's v, g, dim), and the fused _weight_norm_interface it calls:
//                                                2 * numel(v)        (v's norms, then v scaled by g / norm)
//   col2im (fold):                               numel(input)        (each column element added into the image)
//   index_add:                                   numel(source)       (one add per element added in)
//   scatter_add, scatter_reduce:                 numel(index)
//   mvlgamma(x, p):                              3 p numel(x) + numel(x)   (x + (1 - j) / 2 for the p values of j,
//                                                their lgamma, the sum over j, the constant added)
//   trapezoid(y, dx), L samples along dim, R = numel(y) / L lines:  numel(y) + 4R  (the sum, then per line the
//                                                two ends added, halved, subtracted, scaled by dx)
//   trapezoid(y, x):                             numel(dx) + 3R(L-1) + R   (x's differences dx; per interval the
//                                                neighbours added, times dx, summed; per line halved)
//   cumulative_trapezoid(y, dx):                 3R(L-1)       (neighbours added, scaled, cumulative sum)
//   cumulative_trapezoid(y, x):                  numel(dx) + 4R(L-1)   (and the halving per interval)
//   gradient(f), per dim asked for, L samples along it, R = numel(f) / L lines (ATen's central differences,
//   one-sided or second-order at the two ends; the ends' coefficients on 0-d tensors):
//     scalar spacing:   3R(L-2) + 4R (edge_order 1) or 12R (edge_order 2)
//     coordinates x:    (L-1) + 10(L-2) + 5R(L-2) + 4R (edge_order 1) or 10R + 25 (edge_order 2)
//                       (x's differences, the three interior coefficients, their weighted sum of neighbours)
// A training step's backward, by the same rule:
//   an activation's backward (threshold_backward for relu, gelu_backward, ...): numel(grad_output)
//   glu_backward:                                numel(self)         (one per element of the input's gradient,
//                                                twice the output's)
//   _prelu_kernel_backward:                      3 * numel(self)     (the input's gradient; the weight's: x * grad,
//                                                summed per channel)
//   softmax and log_softmax backward:            4 * numel(grad_output)  (y*g, row sum, subtract, scale; or
//                                                exp(y), row sum of g, multiply, subtract)
//   gather_backward:                             numel(index)        (the gradient scattered back: scatter_add)
//   index_select_backward:                       numel(grad)         (added back into the selected slices:
//                                                index_add)
//   index_put, index_put_, _index_put_impl_:     numel(values) with accumulate (indexing's backward: each gradient
//                                                element added into its place), else 0 (a copy: the backward of a
//                                                masked assignment, x[mask] = v, puts zeros into the gradient)
//   reflection and replication pad backward:     numel(grad_output)  (each output gradient added into the input
//                                                element it was copied from)
//   _weight_norm_interface_backward(grad_w, v, g, norms, dim): 2 * numel(v), as its forward: per row the dot
//                                                product of grad_w and v (one per element, as the forward's norm),
//                                                then grad_v, one per element (the per-row scalars, grad_g among
//                                                them, not counted, as the forward's g / norm is not)
// Backward ops that only place the gradient (slice_backward, select_backward, ...: zeros with it copied in) do no
// arithmetic: count/ignored.cpp.
// The arithmetic autograd runs for the rest (mul, add, div, ...) is counted as those ops.
#include <algorithm>
#include <vector>

#include "count/families.h"
#include "count/shapes.h"

namespace flopscope::count {
namespace {

Count softmax_flops(const OpRecord& r) { return mul(3, product(input_shape(r, 0))); }
Count softmax_backward(const OpRecord& r) { return mul(4, product(input_shape(r, 0))); }
Count twice_the_input(const OpRecord& r) { return mul(2, product(input_shape(r, 0))); }

// diff(self, n=1, dim=-1, prepend=None, append=None): n passes of neighbour differences along dim, over the
// input with prepend and append attached (each pass one element shorter than the last).
Count diff_flops(const OpRecord& r) {
  const auto& in = input_shape(r, 0);
  require(!in.empty(), r, "differences a tensor of no dimensions");
  const std::int64_t n = int_or(input(r, 1), 1);
  require(n >= 0, r, "differences a negative number of times");
  const std::size_t d =
      wrapped_dim(r, int_or(input(r, 2), -1), in.size(), "differences along a dimension the tensor does not have");
  std::int64_t length = in[d];
  for (std::size_t attached : {3, 4})
    if (input(r, attached).kind == Value::Kind::Tensor && input_shape(r, attached).size() == in.size())
      length += input_shape(r, attached)[d];
  Count per_line = 0;
  for (std::int64_t k = 1; k <= n && k < length; ++k) per_line = add(per_line, length - k);
  Count lines = 1;
  for (std::size_t i = 0; i < in.size(); ++i)
    if (i != d) lines = mul(lines, in[i]);
  return mul(lines, per_line);
}

// index_add(self, dim, index, source): one add per element of the source (the index picks whole slices).
Count per_source(const OpRecord& r) { return product(input_shape(r, 3)); }
// scatter_add, scatter_reduce (self, dim, index, src, ...): one add per element of the index (src may be larger).
Count per_index(const OpRecord& r) { return product(input_shape(r, 2)); }
// gather_backward(grad, self, dim, index, sparse_grad): grad scattered back into zeros by scatter_add.
Count gather_backward(const OpRecord& r) { return product(input_shape(r, 3)); }
// index_put(self, indices, values, accumulate) and _index_put_impl_(..., unsafe): with accumulate, as autograd's
// backward of indexing calls it (values: the gradient, of the indexed shape), one add per value.
Count index_put_accumulating(const OpRecord& r) {
  const Value& accumulate = input(r, 3);
  require(accumulate.kind == Value::Kind::Bool, r, "expects accumulate, a bool");
  return accumulate.number != 0 ? product(input_shape(r, 2)) : 0;
}

// K per element of the backward's second input: glu_backward(grad_output, self, dim) 1, _prelu_kernel_backward(
// grad_output, self, weight) 3, _weight_norm_interface_backward(grad_w, saved_v, saved_g, saved_norms, dim) 2.
template <int K>
Count per_second_input(const OpRecord& r) {
  return mul(K, product(input_shape(r, 1)));
}

// mvlgamma(self, p).
Count mvlgamma_flops(const OpRecord& r) {
  const Value& p = input(r, 1);
  require(p.kind == Value::Kind::Int && p.number >= 1, r, "expects p, a positive int");
  const Count n = product(input_shape(r, 0));
  return add(mul(3, static_cast<Count>(p.number), n), n);
}

// trapezoid and cumulative_trapezoid (y, x or dx, dim): `cumulative` selects the second's counts.
template <bool cumulative>
Count trapezoid_flops(const OpRecord& r) {
  const auto& y = input_shape(r, 0);
  require(!y.empty(), r, "integrates a tensor of no dimensions");
  const std::size_t dim =
      wrapped_dim(r, int_or(input(r, 2), -1), y.size(), "integrates along a dimension the tensor does not have");
  const std::int64_t length = y[dim];
  if (length == 0) return 0;  // torch returns zeros without arithmetic
  const Count lines = product(y) / length, intervals = mul(lines, length - 1);
  if (!input(r, 1).is_tensor()) return cumulative ? mul(3, intervals) : add(product(y), mul(4, lines));
  // x: 1-D along dim, or of y's rank; its differences dx are one shorter along dim.
  std::vector<std::int64_t> dx = input_shape(r, 1);
  require(dx.size() == 1 || dx.size() == y.size(), r, "expects x 1-D or of y's rank");
  std::int64_t& along = dx[dx.size() == 1 ? 0 : dim];
  along = std::max<std::int64_t>(along - 1, 0);
  const Count differences = product(dx);
  return add(differences, cumulative ? mul(4, intervals) : add(mul(3, intervals), lines));
}

// gradient(self, spacing, dim, edge_order), and gradient.array(self, dim, edge_order) without a spacing. ATen
// (ReduceOps.cpp) works dim by dim. With a scalar spacing h: center = (f[2:] - f[:-2]) / h / 2 (3 per interior
// point); at each end, edge_order 1 is (f1 - f0) / h (2), edge_order 2 is (-1.5 f0 + 2 f1 - 0.5 f2) / h (6). With
// a coordinate tensor x: dx = diff(x) (L-1); the interior coefficients a, b, c from dx1 = dx[:-1], dx2 = dx[1:]
// (-dx2 / (dx1 (dx1 + dx2)): 4, (dx2 - dx1) / (dx1 dx2): 3, dx1 / (dx2 (dx1 + dx2)): 3, per interior point);
// center = a f0 + b f1 + c f2 (5 per interior point of every line); at each end, edge_order 1 is (f1 - f0) / dx
// (2 per line), edge_order 2 weighs three samples (5 per line) by coefficients made of two 0-d differences (13
// scalar ops at the start, 12 at the end). The ends and center are concatenated (no arithmetic).
Count gradient_flops(const OpRecord& r) {
  const auto& f = input_shape(r, 0);
  const bool no_spacing = r.inputs.size() == 3;  // gradient.array
  const Value& spacing = no_spacing ? Value() : input(r, 1);
  const Value& dims_value = input(r, no_spacing ? 1 : 2);
  const Value& edge_value = input(r, no_spacing ? 2 : 3);
  const auto rank = static_cast<std::int64_t>(f.size());
  std::vector<std::int64_t> dims;
  if (dims_value.kind == Value::Kind::Int) dims = {static_cast<std::int64_t>(dims_value.number)};
  else if (dims_value.kind == Value::Kind::IntList) dims = dims_value.sizes;
  else for (std::int64_t d = 0; d < rank; ++d) dims.push_back(d);
  const std::int64_t edge_order = int_or(edge_value, 1);
  require(edge_order == 1 || edge_order == 2, r, "supports edge_order 1 and 2 only");
  const bool coordinates = spacing.kind == Value::Kind::TensorList;
  require(!coordinates || spacing.shapes.size() == dims.size(), r, "expects one coordinate tensor per dim");
  Count total = 0;
  for (std::int64_t dim : dims) {
    const std::int64_t length =
        f[wrapped_dim(r, dim, f.size(), "differentiates along a dimension the tensor does not have")];
    require(length >= edge_order + 1, r, "expects each dimension at least edge_order + 1 long");
    const Count lines = product(f) / length, interior = mul(lines, length - 2);
    if (!coordinates) {
      total = add(total, mul(3, interior), mul(edge_order == 1 ? 4 : 12, lines));
      continue;
    }
    const Count differences = length - 1, coefficients = mul(10, length - 2);
    const Count ends = edge_order == 1 ? mul(4, lines) : add(mul(10, lines), 25);
    total = add(total, differences, coefficients, mul(5, interior), ends);
  }
  return total;
}

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
      // the rest of torch's pointwise math, and the aliases the dispatcher records under their own names
      "multiply", "multiply_", "subtract", "subtract_", "true_divide", "true_divide_", "log1p", "log1p_",
      "expm1", "expm1_", "log2", "log10", "exp2", "lgamma", "digamma", "erfc", "erfinv", "tan", "atan", "atan2",
      "asin", "acos", "sinh", "cosh", "asinh", "acosh", "atanh", "sign", "sgn", "trunc", "frac", "fmod", "lerp",
      "lerp_", "hypot", "xlogy", "logit", "logaddexp", "log_sigmoid", "polar", "outer", "ger", "sinc", "softshrink",
      "hardshrink", "tanhshrink", "softsign", "rrelu", "square_", "neg_", "abs_", "sin_", "cos_",
      // torch.special's names for the same functions (torch.special.logit is recorded as special_logit)
      "special_logit", "special_expit", "special_erf", "special_erfc", "special_erfinv", "special_exp2",
      "special_expm1", "special_log1p", "special_xlogy", "special_sinc", "special_round", "special_psi",
      "special_digamma", "special_gammaln", "special_entr", "special_ndtr", "special_xlog1py", "special_i0",
      "special_i0e", "special_i1", "special_i1e",
      // more pointwise math: one function or operator per output element
      "fmax", "fmin", "copysign", "float_power", "heaviside", "i0", "logaddexp2", "ldexp", "polygamma", "clip",
      "clip_", "angle", "deg2rad", "rad2deg",
      // one product per output element: Kronecker and outer products (addr adds the matrix it scales), and the
      // powers of a Vandermonde matrix (a running product)
      "kron", "addr", "linalg_vander",
      // quantiles: a sort (no arithmetic) and one interpolation per quantile
      "quantile", "nanquantile",
      // signal windows, computed as the forward runs (a cosine or two per sample)
      "hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window",
  };
  for (const char* op : kPerOutput) set.flops[std::string("aten::") + op] = {op, output_elements, "numel(output)"};
  for (const char* op : {"softmax", "log_softmax", "_softmax", "_log_softmax", "special_softmax",
                         "special_log_softmax"})
    set.flops[std::string("aten::") + op] = {op, softmax_flops, "3*numel(input)"};
  for (const char* op : {"threshold_backward", "gelu_backward", "silu_backward", "sigmoid_backward", "tanh_backward",
                         "hardswish_backward", "hardsigmoid_backward", "hardtanh_backward", "leaky_relu_backward",
                         "elu_backward", "softplus_backward", "mish_backward", "log_sigmoid_backward",
                         "hardshrink_backward", "softshrink_backward", "logit_backward", "rrelu_with_noise_backward"})
    set.flops[std::string("aten::") + op] = {"activation_backward", input_elements, "numel(grad_output)"};
  set.flops["aten::glu_backward"] = {"activation_backward", per_second_input<1>, "numel(self)"};
  set.flops["aten::_prelu_kernel_backward"] = {"activation_backward", per_second_input<3>, "3*numel(self)"};
  for (const char* op : {"_softmax_backward_data", "_log_softmax_backward_data"})
    set.flops[std::string("aten::") + op] = {"softmax_backward", softmax_backward, "4*numel(grad_output)"};
  for (const char* op : {"sum", "mean", "amax", "amin", "prod", "cumsum", "logsumexp", "norm", "linalg_vector_norm",
                         "cumprod", "logcumsumexp", "nansum", "nanmean", "aminmax", "special_logsumexp",
                         "count_nonzero"})
    set.flops[std::string("aten::") + op] = {op, input_elements, "numel(input)"};
  for (const char* op : {"var", "std", "var_mean", "std_mean", "_weight_norm", "_weight_norm_interface"})
    set.flops[std::string("aten::") + op] = {op, twice_the_input, "2*numel(input)"};
  set.flops["aten::mvlgamma"] = {"mvlgamma", mvlgamma_flops, "3 p numel(x) + numel(x)"};
  for (const char* op : {"trapezoid", "trapz"})
    set.flops[std::string("aten::") + op] = {op, trapezoid_flops<false>,
                                             "dx: numel(y) + 4R; x: numel(dx) + 3R(L-1) + R (R lines of L samples)"};
  set.flops["aten::cumulative_trapezoid"] = {"cumulative_trapezoid", trapezoid_flops<true>,
                                             "dx: 3R(L-1); x: numel(dx) + 4R(L-1) (R lines of L samples)"};
  set.flops["aten::gradient"] = {"gradient", gradient_flops,
                                 "per dim, R lines of L: spacing h: 3R(L-2) + 4R (edge_order 2: 12R); coordinates: "
                                 "(L-1) + 10(L-2) + 5R(L-2) + 4R (edge_order 2: 10R + 25)"};
  set.flops["aten::col2im"] = {"col2im", input_elements, "numel(input)"};
  set.flops["aten::diff"] = {"diff", diff_flops, "sum over k=1..n of (L-k) per line along dim"};
  for (const char* op : {"index_add", "index_add_"})
    set.flops[std::string("aten::") + op] = {op, per_source, "numel(source)"};
  for (const char* op : {"scatter_add", "scatter_add_", "scatter_reduce", "scatter_reduce_"})
    set.flops[std::string("aten::") + op] = {op, per_index, "numel(index)"};
  set.flops["aten::gather_backward"] = {"gather_backward", gather_backward, "numel(index)"};
  set.flops["aten::index_select_backward"] = {"index_select_backward", input_elements, "numel(grad)"};
  for (const char* op : {"index_put", "index_put_", "_index_put_impl_"})
    set.flops[std::string("aten::") + op] = {"index_put", index_put_accumulating,
                                             "numel(values) with accumulate (indexing's backward), else 0"};
  for (const char* op : {"reflection_pad1d_backward", "reflection_pad2d_backward", "reflection_pad3d_backward",
                         "replication_pad1d_backward", "replication_pad2d_backward", "replication_pad3d_backward"})
    set.flops[std::string("aten::") + op] = {"pad_backward", input_elements, "numel(grad_output)"};
  set.flops["aten::_weight_norm_interface_backward"] = {"weight_norm_backward", per_second_input<2>,
                                                        "2*numel(v)"};
}

}  // namespace flopscope::count
