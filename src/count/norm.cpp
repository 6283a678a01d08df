// Normalisations, with mmengine's rough per-element costs: 5 MACs per element with an affine transform,
// 4 without (mean, variance, normalise, ...); batch norm in eval mode folds into 2 (affine) or 1.
// default adds the native_* ops with the same formulas.
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
}

}  // namespace flopscope::count
