// The per-operator view: where the model's MACs come from, by op, next to the per-module table.
#include <cstdio>

#include "flopscope/report.h"
#include "report/ascii_table.h"

namespace flopscope {

std::string render_operators(const Analysis& a) {
  const Count total = a.flops.total();
  const OrderedCounter& macs_by_op = a.flops.by_operator();
  const OrderedCounter& acts = a.activations.by_operator();
  std::vector<std::vector<std::string>> rows;
  for (const auto& [op, macs] : macs_by_op.items()) {
    char share[16];
    std::snprintf(share, sizeof share, "%.1f%%", total ? 100.0 * static_cast<double>(macs) / static_cast<double>(total) : 0.0);
    rows.push_back({op, format_size(macs), share, format_size(acts.get(op))});
  }
  std::string out = report::render_ascii2({"operator", "#flops", "share", "#activations"}, rows);
  if (!a.flops.unsupported.empty()) {
    out += "no formula (counted as 0):";
    for (const auto& [op, calls] : a.flops.unsupported.items()) out += " " + op + " x" + std::to_string(calls);
    out += "\n";
  }
  return out;
}

}  // namespace flopscope
