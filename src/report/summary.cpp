// The seed's two summary lines.
#include "flopscope/report.h"

namespace flopscope {

std::string render_summary(const Analysis& a) {
  return "Model Flops:" + format_size(a.flops.total()) + "\nModel Parameters:" + format_size(a.tree.total_params()) +
         "\n";
}

}  // namespace flopscope
