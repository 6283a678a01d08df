// Normalisations, with mmengine's rough per-element costs: 5 MACs per element with an affine transform,
// 4 without (mean, variance, normalise, ...); batch norm in eval mode folds into 2 (affine) or 1.
#include "count/families.h"
#include "count/shapes.h"

namespace flopscope::count {
namespace {

bool present(const OpRecord& r, std::size_t i) { return i < r.inputs.size() && r.inputs[i].is_tensor(); }

Count normalise_macs(const OpRecord& r, std::size_t affine_arg) {
  const auto& x = input_shape(r, 0);
  require(x.size() >= 2 && x.size() <= 5, r, "expected a 2-D to 5-D input");
  return product(x) * (present(r, affine_arg) ? 5 : 4);
}

// batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled)
Count batch_norm_macs(const OpRecord& r) {
  const Value& training = input(r, 5);
  require(training.kind == Value::Kind::Bool, r, "argument 5 (training) is not a bool");
  if (training.number != 0) return normalise_macs(r, 1);
  return product(input_shape(r, 0)) * (present(r, 1) ? 2 : 1);
}

Count group_norm_macs(const OpRecord& r) { return normalise_macs(r, 2); }     // (input, groups, weight, ...)
Count layer_norm_macs(const OpRecord& r) { return normalise_macs(r, 2); }     // (input, shape, weight, ...)
Count instance_norm_macs(const OpRecord& r) { return normalise_macs(r, 1); }  // (input, weight, ...)

}  // namespace

void add_norm_handlers(OpSet& set) {
  set.flops["aten::batch_norm"] = {"batch_norm", batch_norm_macs, "training: numel(x)*(5 if affine else 4); eval: numel(x)*(2 if affine else 1)"};
  set.flops["aten::group_norm"] = {"group_norm", group_norm_macs, "numel(x)*(5 if affine else 4)"};
  set.flops["aten::layer_norm"] = {"layer_norm", layer_norm_macs, "numel(x)*(5 if affine else 4)"};
  set.flops["aten::instance_norm"] = {"instance_norm", instance_norm_macs, "numel(x)*(5 if affine else 4)"};
}

}  // namespace flopscope::count
