// The seed's two summary lines.
#include "flopscope/report.h"
#include "report/stats_map.h"

namespace flopscope {

std::string format_total_flops(const Analysis& a) {
  const Count flops = a.flops.total();
  return a.flops.float_modules.count("") ? format_size(static_cast<double>(flops)) : format_size(flops);
}

std::string render_summary(const Analysis& a) {
  std::string out = "Model Flops:" + format_total_flops(a) + "\nModel Parameters:" + format_size(a.tree.total_params()) + "\n";
  // A training step: the backward and the whole step, in the same MACs.
  if (a.train_step) {
    const auto step = report::step_sums(a);
    const auto root = step.find("");
    const Count optimizer = root == step.end() ? 0 : root->second.optimizer_macs;
    out += "Backward Flops:" + format_size(a.backward.total()) + "\n";
    if (!a.optimizer.empty()) out += "Optimizer Flops (" + a.optimizer + "):" + format_size(optimizer) + "\n";
    out += "Step Flops:" + format_size(a.flops.total() + a.backward.total() + optimizer) + "\n";
    if (a.saved_activations.measured)
      out += "Saved Activations:" + format_size(root == step.end() ? 0 : root->second.saved_activation_bytes) + "B\n";
  }
  return out;
}

}  // namespace flopscope
