#include "count/optimizer.h"

#include "flopscope/errors.h"

namespace flopscope::count {

const OptimizerRule& optimizer_rule(const std::string& name) {
  // SGD with torch's defaults (no momentum, no weight decay): p += -lr * g, one multiply-add per element.
  static const OptimizerRule kSgd{"sgd", 1, 0, "p.add_(g, alpha=-lr): 1 per element; no state"};
  // AdamW with torch's defaults (decoupled weight decay 0.01, bias correction), per element:
  //   p.mul_(1 - lr*wd)                                   1
  //   m.lerp_(g, 1 - beta1)                               2  (m + w * (g - m))
  //   v.mul_(beta2).addcmul_(g, g, value=1 - beta2)       3
  //   denom = (v.sqrt() / sqrt(bias_correction2)).add_(eps)  3
  //   p.addcdiv_(m, denom, value=-step_size)              2
  // = 11; the state is m and v, two tensors the parameter's size.
  static const OptimizerRule kAdamW{"adamw", 11, 2,
                                    "decay 1 + m.lerp_ 2 + v.mul_.addcmul_ 3 + denom 3 + p.addcdiv_ 2 = 11 per "
                                    "element; state m, v"};
  if (name == "sgd") return kSgd;
  if (name == "adamw") return kAdamW;
  throw InvalidInput("unknown optimizer '" + name + "' (use sgd or adamw)");
}

}  // namespace flopscope::count
