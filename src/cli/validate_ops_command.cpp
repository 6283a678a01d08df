#include "cli/validate_ops_command.h"

#include <cmath>
#include <cstdio>
#include <iostream>

#include "flopscope/validate_ops.h"

namespace flopscope::cli {
namespace {

std::string si(double v) {
  const char* p[] = {"", "K", "M", "G", "T", "P"};
  int i = 0;
  while (std::fabs(v) >= 1000 && i < 5) v /= 1000, ++i;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g%s", v, p[i]);
  return buf;
}

}  // namespace

int run_validate_ops(const ValidateOpsArgs& args) {
  ValidateOpsOptions options;
  options.op_set = args.op_set;
  options.dtypes = args.dtypes;
  options.family = args.family;
  options.tolerance = args.tolerance;
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
        note += (note.empty() ? "" : "; ") + std::string("outside 1 +/- ") + si(args.tolerance);
      }
    }
    const double ratio = row.ratio();
    std::printf("%-14s %-64s %12s %12s %9s %7zu  %s\n", row.op.family.c_str(), row.op.label.substr(0, 64).c_str(),
                si(row.analytic_flops).c_str(), si(row.measured_flops).c_str(), ratio < 0 ? "-" : si(ratio).c_str(),
                row.kernels, note.c_str());
  }
  std::printf("%zu cases, %d outside the tolerance, %d not run; FLOPs are 2 per multiply-add\n", rows.size(), outside,
              failed);
  return 0;
}

}  // namespace flopscope::cli
