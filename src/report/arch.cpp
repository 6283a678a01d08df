// mmengine's complexity_stats_str: the model printed like nn.Module.__repr__, each module followed by its
// "#params: .., #flops: .., #acts: .." line.
#include <functional>

#include "flopscope/report.h"
#include "text/printable.h"
#include "report/stats_map.h"

namespace flopscope {
namespace {

// nn.Module's _addindent: every line after the first gets `spaces` more spaces.
std::string add_indent(const std::string& text, int spaces) {
  if (text.find('\n') == std::string::npos) return text;
  std::string out;
  const std::string pad(static_cast<std::size_t>(spaces), ' ');
  for (char c : text) {
    out += c;
    if (c == '\n') out += pad;
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto nl = text.find('\n', start);
    out.push_back(text.substr(start, nl - start));
    if (nl == std::string::npos) return out;
    start = nl + 1;
  }
}

}  // namespace

std::string render_arch(const Analysis& analysis) {
  const ModuleTree& tree = analysis.tree;
  auto params = report::parameter_count(tree);
  auto flops = report::by_module(analysis.flops, tree);
  auto acts = report::by_module(analysis.activations, tree);
  for (const auto& node : tree.nodes) params[node.path];  // every module gets a value, 0 if none
  auto numbers = report::group_by_module({{"#params", &params}, {"#flops", &flops}, {"#acts", &acts}});
  numbers = report::remove_zero_statistics(numbers, analysis.uncalled, /*require_trivial_children=*/false);
  report::TextStats stats = report::pretty(numbers, 2, [&](const std::string& m, const std::string& stat) {
    return stat == "#flops" && analysis.flops.float_modules.count(m) != 0;
  });
  for (const auto& m : analysis.uncalled) {
    stats[m]["#flops"] = "N/A";
    stats[m]["#acts"] = "N/A";
  }

  std::function<std::string(int, const std::string&)> repr = [&](int index, const std::string& name) {
    const ModuleNode& node = tree.nodes[static_cast<std::size_t>(index)];
    std::vector<std::string> extra;
    if (!node.extra_repr.empty()) extra = split_lines(node.extra_repr);
    if (const auto* cells = stats.find(name); cells != nullptr && !cells->items().empty()) {
      std::string line;
      for (const auto& [key, value] : cells->items()) line += (line.empty() ? "" : ", ") + key + ": " + value;
      extra.push_back(line);
    }
    std::vector<std::string> children;
    for (const auto& [key, child] : node.children)
      children.push_back("(" + text::printable(key) + "): " + add_indent(repr(child, name.empty() ? key : name + "." + key), 2));
    std::string out = node.class_name + "(";
    if (extra.size() == 1 && children.empty()) {
      out += extra[0];
    } else if (!extra.empty() || !children.empty()) {
      for (const auto* lines : {&extra, &children})
        for (const auto& l : *lines) out += "\n  " + l;
      out += "\n";
    }
    return out + ")";
  };

  std::string out;
  if (!analysis.uncalled.empty())
    out += "N/A indicates a possibly missing statistic due to how the module was called. Missing values are "
           "still included in the parent's total.\n";
  return out + repr(0, "");
}

}  // namespace flopscope
