#pragma once
// `flopscope validate-ops`: runs every op family that has a FLOP formula on the GPU at several shapes and
// dtypes (validate_cases), under CUPTI's range profiler, and prints analytic vs measured FLOPs with the ratio.
// Without a GPU it exits 2 with one line; --list prints the cases anywhere.
#include <string>
#include <vector>

#include "flopscope/validate_ops.h"

namespace flopscope::cli {

struct ValidateOpsArgs {
  std::string op_set = ValidateOpsOptions{}.op_set;
  std::vector<std::string> dtypes = ValidateOpsOptions{}.dtypes;
  std::string family;   ///< only this family ("" = all)
  bool list = false;    ///< print the cases and stop (needs no GPU)
  double tolerance = ValidateOpsOptions{}.tolerance;
};

int run_validate_ops(const ValidateOpsArgs& args);

}  // namespace flopscope::cli
