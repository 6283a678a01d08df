// The per-operator view: where the model's MACs come from, by op, next to the per-module table. A training step's
// view gives each op its backward MACs too, and its share of the forward and backward together.
#include <cstdio>

#include "flopscope/report.h"
#include "report/ascii_table.h"

namespace flopscope {
namespace {

std::string percent(Count part, Count whole) {
  char share[16];
  std::snprintf(share, sizeof share, "%.1f%%", whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return share;
}

std::string no_formula_line(const char* what, const OrderedCounter& unsupported) {
  if (unsupported.empty()) return "";
  std::string out = what;
  for (const auto& [op, calls] : unsupported.items()) out += " " + op + " x" + std::to_string(calls);
  return out + "\n";
}

}  // namespace

std::string render_operators(const Analysis& a) {
  const OrderedCounter& forward = a.flops.by_operator();
  const OrderedCounter& acts = a.activations.by_operator();
  std::vector<std::vector<std::string>> rows;
  if (!a.train_step) {
    const Count total = a.flops.total();
    for (const auto& [op, macs] : forward.items())
      rows.push_back({op, format_size(macs), percent(macs, total), format_size(acts.get(op))});
    return report::render_ascii2({"operator", "#flops", "share", "#activations"}, rows) +
           no_formula_line("no formula (counted as 0):", a.flops.unsupported);
  }
  // The forward's ops in their order, then those only the backward ran (embedding_dense_backward, ...).
  const OrderedCounter& backward = a.backward.by_operator();
  OrderedCounter ops;
  for (const auto& [op, macs] : forward.items()) ops.add(op, 0);
  for (const auto& [op, macs] : backward.items()) ops.add(op, 0);
  const Count total = a.flops.total() + a.backward.total();
  for (const auto& [op, unused] : ops.items()) {
    const Count fwd = forward.get(op), bwd = backward.get(op);
    rows.push_back({op, format_size(fwd), format_size(bwd), percent(fwd + bwd, total), format_size(acts.get(op))});
  }
  return report::render_ascii2({"operator", "#flops", "#flops (backward)", "share", "#activations"}, rows) +
         no_formula_line("no formula (counted as 0):", a.flops.unsupported) +
         no_formula_line("no formula in the backward (counted as 0):", a.backward.unsupported);
}

}  // namespace flopscope
