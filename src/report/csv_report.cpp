// One CSV row per module, columns in a fixed order, for spreadsheets and regression scripts.
#include <unordered_set>

#include "flopscope/report.h"
#include "report/stats_map.h"

namespace flopscope {

std::string render_csv(const Analysis& a) {
  auto params = report::parameter_count(a.tree);
  std::unordered_set<std::string> uncalled(a.uncalled.begin(), a.uncalled.end());
  auto quote = [](const std::string& s) {  // RFC 4180: quote fields holding separators or quotes
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  };
  std::string out = "module,type,depth,parameters,macs,flops,activations,called\n";
  for (const auto& node : a.tree.nodes) {
    const Count p = params.find(node.path) ? *params.find(node.path) : 0;
    const Count macs = a.flops.total(node.path);
    out += quote(node.path) + "," + quote(node.class_name) + "," +
           std::to_string(node.path.empty() ? 0 : report::depth_of(node.path) + 1) + "," + std::to_string(p) + "," +
           std::to_string(macs) + "," + std::to_string(2 * macs) + "," +
           std::to_string(a.activations.total(node.path)) + "," + (uncalled.count(node.path) ? "false" : "true") +
           "\n";
  }
  return out;
}

}  // namespace flopscope
