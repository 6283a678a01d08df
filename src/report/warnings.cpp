// The warnings mmengine logs after counting, with its exact wording.
#include <algorithm>

#include "flopscope/report.h"
#include "text/printable.h"

namespace flopscope {
namespace {

void add_stat_warnings(const Analysis& analysis, const StatResult& stat, std::vector<std::string>& out) {
  for (const auto& [op, calls] : stat.unsupported.items())
    out.push_back("Unsupported operator " + op + " encountered " + std::to_string(calls) + " time(s)");
  std::string names;
  for (const auto& path : analysis.uncalled) {
    auto it = analysis.tree.by_path.find(path);
    if (it == analysis.tree.by_path.end() || !analysis.tree.nodes[it->second].real_forward) continue;
    names += (names.empty() ? "" : ", ") + path;
  }
  if (!names.empty())
    out.push_back(
        "The following submodules of the model were never called during the trace of the graph. They may be "
        "unused, or they were accessed by direct calls to .forward() or via other python methods. In the latter "
        "case they will have zeros for statistics, though their statistics will still contribute to their parent "
        "calling module.\n" + names);
  for (const auto& e : stat.formula_errors) out.push_back("Formula failed: " + e);
}

}  // namespace

std::vector<std::string> analysis_warnings(const Analysis& analysis) {
  std::vector<std::string> out;
  add_stat_warnings(analysis, analysis.flops, out);
  // mmengine repeats its warnings for the activation counter, which knows only conv and matmul ops. The other
  // op sets leave that out: an op without an activation formula is no missing count (the JSON still lists it).
  if (analysis.run.op_set == "mmengine") add_stat_warnings(analysis, analysis.activations, out);
  // mmengine's logger drops a warning it has already printed: the activation counter's repeats vanish.
  std::vector<std::string> unique;
  for (auto& w : out)
    if (std::find(unique.begin(), unique.end(), w) == unique.end()) unique.push_back(std::move(w));
  return unique;
}

}  // namespace flopscope

namespace flopscope {

std::vector<std::string> model_output_lines(const ModelMessages& said) {
  auto times = [](std::size_t n) { return n == 1 ? std::string() : " (" + std::to_string(n) + " times)"; };
  std::vector<std::string> out;
  for (const auto& m : said.messages)
    out.push_back(std::string(m.loading ? "while loading, " : "") +
                  (m.kind == ModelMessage::Kind::Warning ? "the model warned" : "the model printed") + times(m.count) +
                  ": " + text::quoted(m.text));
  if (said.dropped > 0) out.push_back("the model said " + std::to_string(said.dropped) + " more things, not shown");
  return out;
}

}  // namespace flopscope
