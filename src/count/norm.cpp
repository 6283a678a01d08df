// Normalisations, with mmengine's rough per-element costs: 5 MACs per element with an affine transform,
// 4 without (mean, variance, normalise, ...); batch norm in eval mode folds into 2 (affine) or 1.
// default adds the native_* ops with the same formulas, RMSNorm, and their backward for a training step.
#include "count/families.h"
#include "count/shapes.h"

namespace flopscope::count {
namespace {

bool present(const OpRecord& r, std::size_t i) { return i < r.inputs.size() && r.inputs[i].is_tensor(); }

Count normalise_macs(const OpRecord& r, std::size_t affine_arg) {
  const auto& x = input_shape(r, 0);
  require(x.size() >= 2 && x.size() <= 5, r, "expected a 2-D to 5-D input");
  return mul(product(x), present(r, affine_arg) ? 5 : 4);
}

// batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled)
Count batch_norm_macs(const OpRecord& r) {
  const Value& training = input(r, 5);
  require(training.kind == Value::Kind::Bool, r, "argument 5 (training) is not a bool");
  if (training.number != 0) return normalise_macs(r, 1);
  return mul(product(input_shape(r, 0)), present(r, 1) ? 2 : 1);
}

Count group_norm_macs(const OpRecord& r) { return normalise_macs(r, 2); }     // (input, groups, weight, ...)
Count layer_norm_macs(const OpRecord& r) { return normalise_macs(r, 2); }     // (input, shape, weight, ...)
Count instance_norm_macs(const OpRecord& r) { return normalise_macs(r, 1); }  // (input, weight, ...)

// native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps) and the
// _native_batch_norm_legit* variants: training flag at 5 as in batch_norm (legit_no_training: eval).
Count legit_macs(const OpRecord& r) {  // the no-stats overload has (input, weight, bias, training, ...)
  const std::size_t training_at = r.inputs.size() == 6 ? 3 : 5;
  const Value& training = input(r, training_at);
  require(training.kind == Value::Kind::Bool, r, "training flag is not a bool");
  return mul(product(input_shape(r, 0)), training.number != 0 ? (present(r, 1) ? 5 : 4) : (present(r, 1) ? 2 : 1));
}
Count native_group_norm_macs(const OpRecord& r) { return normalise_macs(r, 1); }  // (input, weight, bias, ...)
Count legit_no_training_macs(const OpRecord& r) {
  return mul(product(input_shape(r, 0)), present(r, 1) ? 2 : 1);
}

// A training step's backward, per element, by the gradients output_mask asks for (counted as the forward is:
// one per elementwise operation), with x_hat = (x - mean) * rstd recomputed from the saved statistics:
//   x_hat                                                    2  (when the input's or the weight's gradient is asked)
//   input:  g_hat = g * gamma (affine), the row sums of g_hat and g_hat * x_hat, and
//           dx = rstd * (g_hat - mean(g_hat) - x_hat * mean(g_hat * x_hat))     1 + 3 + 4
//   weight: sum of g * x_hat                                 2
//   bias:   sum of g                                         1
// so 13 per element with an affine transform and every gradient, 9 without one. Batch norm in eval mode
// normalises with fixed statistics: dx = g * (gamma * invstd) is 1 per element.
Count norm_backward_per_element(const OpRecord& r, std::size_t mask_at, bool affine, bool training) {
  const Value& mask = input(r, mask_at);
  require(mask.kind == Value::Kind::IntList && mask.sizes.size() == 3, r, "expected output_mask[3]");
  const bool dx = mask.sizes[0] != 0, dw = affine && mask.sizes[1] != 0, db = affine && mask.sizes[2] != 0;
  Count per = (dx && training) || dw ? 2 : 0;
  if (dx) per += training ? 7 + (affine ? 1 : 0) : 1;
  return per + (dw ? 2 : 0) + (db ? 1 : 0);
}

// native_layer_norm_backward(grad_out, input, normalized_shape, mean, rstd, weight, bias, output_mask)
Count layer_norm_backward_macs(const OpRecord& r) {
  return mul(product(input_shape(r, 1)), norm_backward_per_element(r, 7, present(r, 5), true));
}

// native_batch_norm_backward(grad_out, input, weight, running_mean, running_var, save_mean, save_invstd, train,
//                            eps, output_mask)
Count batch_norm_backward_macs(const OpRecord& r) {
  const Value& train = input(r, 7);
  require(train.kind == Value::Kind::Bool, r, "argument 7 (train) is not a bool");
  return mul(product(input_shape(r, 1)), norm_backward_per_element(r, 9, present(r, 2), train.number != 0));
}

// native_group_norm_backward(grad_out, input, mean, rstd, weight, N, C, HxW, group, output_mask)
Count group_norm_backward_macs(const OpRecord& r) {
  return mul(product(input_shape(r, 1)), norm_backward_per_element(r, 9, present(r, 4), true));
}

// rms_norm(input, normalized_shape, weight, eps) and _fused_rms_norm (the kernel it calls on CUDA), with the same
// arguments: per element the square, the mean's sum and the scaling by 1/rms, and the weight's multiply (3, or 4
// with a weight); per normalised row the eps add and the rsqrt (2). The count `all` gives the ops a hand-written
// RMSNorm runs (transformers': pow, mean, add, rsqrt, mul, mul), so one model costs the same either way.
Count rms_norm_macs(const OpRecord& r) {
  const auto& x = input_shape(r, 0);
  const Value& shape = input(r, 1);
  require(shape.kind == Value::Kind::IntList && shape.sizes.size() <= x.size(), r,
          "argument 1 (normalized_shape) is not a list of the input's trailing dimensions");
  const Count rows = leading_product(x, shape.sizes.size());
  return add(mul(product(x), present(r, 2) ? 4 : 3), mul(rows, 2));
}

// _fused_rms_norm_backward(grad_out, input, normalized_shape, rstd, weight, output_mask[2]), per element by the
// gradients asked for, as layer_norm_backward is counted, with x_hat = x * rstd (1, when either is asked):
//   input:  g_hat = g * gamma (affine), the row sum of g_hat * x_hat, dx = rstd * (g_hat - x_hat * mean(...))
//           1 + 2 + 3
//   weight: sum of g * x_hat                                 2
// so 9 per element with a weight and both gradients, 6 for the input's alone without one.
Count rms_norm_backward_macs(const OpRecord& r) {
  const Value& mask = input(r, 5);
  require(mask.kind == Value::Kind::IntList && mask.sizes.size() == 2, r, "expected output_mask[2]");
  const bool affine = present(r, 4), dx = mask.sizes[0] != 0, dw = affine && mask.sizes[1] != 0;
  const Count per = (dx || dw ? 1 : 0) + (dx ? 5 + (affine ? 1 : 0) : 0) + (dw ? 2 : 0);
  return mul(product(input_shape(r, 1)), per);
}

}  // namespace

void add_norm_handlers(OpSet& set, Tier tier) {
  set.flops["aten::batch_norm"] = {"batch_norm", batch_norm_macs, "training: numel(x)*(5 if affine else 4); eval: numel(x)*(2 if affine else 1)"};
  set.flops["aten::group_norm"] = {"group_norm", group_norm_macs, "numel(x)*(5 if affine else 4)"};
  set.flops["aten::layer_norm"] = {"layer_norm", layer_norm_macs, "numel(x)*(5 if affine else 4)"};
  set.flops["aten::instance_norm"] = {"instance_norm", instance_norm_macs, "numel(x)*(5 if affine else 4)"};
  if (tier < Tier::standard) return;
  // The native ops the composite norms call, when a model reaches them directly (traced graphs, CUDA).
  set.flops["aten::native_batch_norm"] = {"batch_norm", batch_norm_macs, "as batch_norm"};
  set.flops["aten::_native_batch_norm_legit"] = {"batch_norm", legit_macs, "as batch_norm"};
  set.flops["aten::_native_batch_norm_legit_no_training"] = {"batch_norm", legit_no_training_macs,
                                                             "eval batch_norm: numel(x)*(2 if affine else 1)"};
  set.flops["aten::cudnn_batch_norm"] = {"batch_norm", batch_norm_macs, "as batch_norm"};
  set.flops["aten::native_layer_norm"] = {"layer_norm", layer_norm_macs, "numel(x)*(5 if affine else 4)"};
  set.flops["aten::native_group_norm"] = {"group_norm", native_group_norm_macs, "numel(x)*(5 if affine else 4)"};
  // RMSNorm (torch.nn.RMSNorm, F.rms_norm): mmengine has no formula for it (its trace names it unsupported).
  const char* rms = "numel(x)*(4 if weight else 3) + 2 per normalised row";
  set.flops["aten::rms_norm"] = {"rms_norm", rms_norm_macs, rms};
  set.flops["aten::_fused_rms_norm"] = {"rms_norm", rms_norm_macs, rms};
  set.flops["aten::_fused_rms_norm_backward"] = {"rms_norm_backward", rms_norm_backward_macs,
                                                 "per element by output_mask: x_hat 1, input 5 (6 with a weight), "
                                                 "weight 2"};
  // A training step's backward.
  const char* backward = "per element by output_mask: x_hat 2, input 8 (7 without affine), weight 2, bias 1";
  set.flops["aten::native_layer_norm_backward"] = {"layer_norm_backward", layer_norm_backward_macs, backward};
  set.flops["aten::native_group_norm_backward"] = {"group_norm_backward", group_norm_backward_macs, backward};
  set.flops["aten::native_batch_norm_backward"] = {"batch_norm_backward", batch_norm_backward_macs,
                                                   "as layer_norm_backward; eval: input 1 per element"};
}

}  // namespace flopscope::count
