// The seed's two summary lines.
#include "flopscope/report.h"

namespace flopscope {

std::string format_total_flops(const Analysis& a) {
  const Count flops = a.flops.total();
  return a.flops.float_modules.count("") ? format_size(static_cast<double>(flops)) : format_size(flops);
}

std::string render_summary(const Analysis& a) {
  return "Model Flops:" + format_total_flops(a) + "\nModel Parameters:" + format_size(a.tree.total_params()) + "\n";
}

}  // namespace flopscope
