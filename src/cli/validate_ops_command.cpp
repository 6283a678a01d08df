#include "cli/validate_ops_command.h"

#include <cmath>
#include <cstdio>
#include <iostream>

#include "flopscope/errors.h"
#include "flopscope/si_format.h"
#include "flopscope/validate_ops.h"

namespace flopscope::cli {


int run_validate_ops(const ValidateOpsArgs& args) {
  ValidateOpsOptions options;
  options.op_set = args.op_set;
  options.dtypes = args.dtypes;
  options.family = args.family;
  options.tolerance = args.tolerance;
  // A NaN tolerance would flag no ratio at all.
  if (!(args.tolerance >= 0)) throw InvalidInput("--tolerance must be 0 or more");
  if (args.list) {
    std::vector<std::string> uncovered;
    for (const auto& c : validate_ops_cases(options, &uncovered)) std::cout << c.family << "  " << c.label << "\n";
    for (const auto& f : uncovered) std::cout << f << "  (no case: validate-ops cannot call it yet)\n";
    return 0;
  }
  const auto rows = validate_ops(options);
  std::printf("%-14s %-64s %12s %12s %9s %7s  %s\n", "family", "case", "analytic", "measured", "ratio", "kernels",
              "note");
  int outside = 0, failed = 0;
  for (const auto& row : rows) {
    std::string note;
    if (!row.not_run.empty()) {
      ++failed;
      note = "not run: " + row.not_run;
    } else {
      if (row.measured_flops > 0 && row.tensor_flops > 0)
        note = "tensor " + std::to_string(static_cast<int>(std::round(100 * row.tensor_flops / row.measured_flops))) + "%";
      if (row.outside) {
        ++outside;
        note += (note.empty() ? "" : "; ") + std::string("outside 1 +/- ") + format_si(args.tolerance, 4);
      }
    }
    const double ratio = row.ratio();
    std::printf("%-14s %-64s %12s %12s %9s %7zu  %s\n", row.op.family.c_str(), row.op.label.substr(0, 64).c_str(),
                format_si(row.analytic_flops, 4).c_str(), format_si(row.measured_flops, 4).c_str(),
                ratio < 0 ? "-" : format_si(ratio, 4).c_str(),
                row.kernels, note.c_str());
  }
  std::printf("%zu cases, %d outside the tolerance, %d not run; FLOPs are 2 per multiply-add\n", rows.size(), outside,
              failed);
  return 0;
}

}  // namespace flopscope::cli
