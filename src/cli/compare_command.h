#pragma once
// `flopscope compare BASE.json NEW.json`: exit 0 within tolerance, 1 regression, 2 bad input.
#include <string>
#include <vector>

namespace flopscope::cli {

struct CompareArgs {
  std::string base, current;
  std::vector<std::string> rtol;     ///< "0.05" for every metric, or "macs=0.05"
  std::vector<std::string> atol;     ///< "1000" or "parameters=0"
  int max_depth = -1;
  bool decreases_fail = false;
  bool allow_different_inputs = false;
  std::vector<std::string> formats;  ///< table, json, junit; empty = table
  std::vector<std::string> outputs;  ///< one per format; none = stdout
};

int run_compare(const CompareArgs& args);

}  // namespace flopscope::cli
