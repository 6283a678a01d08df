#pragma once
// A training step's optimizer, counted per parameter it updates (torch's optimizers skip a parameter that got no
// gradient), from its update rule: elementwise operations per element, one each as the `all` op set counts
// elementwise work, and the state it keeps per element. The update rules are PyTorch's and LibTorch's defaults.
#include <string>

#include "flopscope/op_set.h"

namespace flopscope::count {

struct OptimizerRule {
  std::string name;               ///< "sgd", "adamw"
  Count ops_per_element = 0;      ///< elementwise operations per parameter element of one step
  Count state_per_element = 0;    ///< state tensors the size of the parameter
  std::string rule;               ///< the update, as `flopscope ops` and the docs print it
};

/// The rule of an optimizer by name; throws InvalidInput naming the known ones.
const OptimizerRule& optimizer_rule(const std::string& name);

}  // namespace flopscope::count
