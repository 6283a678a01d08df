#pragma once
// `flopscope ops`: every op flopscope knows, its op set and formula; `--unsupported MODEL`: a model's ops
// that have no formula.
#include "cli/analyze_command.h"

namespace flopscope::cli {

int run_ops(const std::string& op_set);
int run_unsupported(const AnalyzeArgs& model);

}  // namespace flopscope::cli
