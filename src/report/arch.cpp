// mmengine's complexity_stats_str: the model printed like nn.Module.__repr__, each module followed by its
// "#params: .., #flops: .., #acts: .." line.
#include <string_view>
#include <vector>

#include "flopscope/report.h"
#include "text/printable.h"
#include "report/stats_map.h"

namespace flopscope {
namespace {

// nn.Module.__repr__, written straight into `out`: each line of a module at nesting depth d starts with 2d
// spaces, which is what __repr__ builds by re-indenting every child's text (_addindent) level by level; this
// writes each character once.
class ArchWriter {
 public:
  ArchWriter(const ModuleTree& tree, const report::TextStats& stats, std::string& out)
      : m_tree(tree), m_stats(stats), m_out(out) {}

  void module(int index, const std::string& name, std::size_t indent) {
    const ModuleNode& node = m_tree.nodes[static_cast<std::size_t>(index)];
    m_out += node.class_name;
    m_out += '(';
    // The lines inside the parentheses: the module's extra_repr, split at newlines, then its statistics.
    std::vector<std::string_view> extra;
    if (!node.extra_repr.empty()) {
      const std::string_view text = node.extra_repr;
      for (std::size_t start = 0;;) {
        const auto nl = text.find('\n', start);
        extra.push_back(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
        if (nl == std::string_view::npos) break;
        start = nl + 1;
      }
    }
    std::string stats_line;
    if (const auto* cells = m_stats.find(name); cells != nullptr && !cells->items().empty()) {
      for (const auto& [key, value] : cells->items()) {
        if (!stats_line.empty()) stats_line += ", ";
        stats_line.append(key).append(": ").append(value);
      }
      extra.push_back(stats_line);
    }
    if (extra.size() == 1 && node.children.empty()) {
      m_out += extra[0];
    } else if (!extra.empty() || !node.children.empty()) {
      for (const auto line : extra) {
        new_line(indent + 2);
        m_out += line;
      }
      for (const auto& [key, child] : node.children) {
        new_line(indent + 2);
        m_out += '(';
        m_out += text::printable(key);
        m_out += "): ";
        module(child, name.empty() ? key : name + "." + key, indent + 2);
      }
      new_line(indent);
    }
    m_out += ')';
  }

 private:
  void new_line(std::size_t indent) {
    m_out += '\n';
    m_out.append(indent, ' ');
  }

  const ModuleTree& m_tree;
  const report::TextStats& m_stats;
  std::string& m_out;
};

}  // namespace

std::string render_arch(const Analysis& analysis) {
  const ModuleTree& tree = analysis.tree;
  auto params = report::parameter_count(tree);
  auto flops = report::by_module(analysis.flops, tree);
  auto acts = report::by_module(analysis.activations, tree);
  for (const auto& node : tree.nodes) params[node.path];  // every module gets a value, 0 if none
  auto numbers = report::group_by_module({{"#params", &params}, {"#flops", &flops}, {"#acts", &acts}});
  numbers = report::remove_zero_statistics(numbers, analysis.uncalled, /*require_trivial_children=*/false);
  // Only modules print a statistics line: parameters' entries are not formatted.
  report::TextStats stats = report::pretty(numbers, 2, report::float_flops(analysis.flops),
                                           [&](const std::string& name) { return tree.by_path.count(name) != 0; });
  for (const auto& m : analysis.uncalled) {
    stats[m]["#flops"] = "N/A";
    stats[m]["#acts"] = "N/A";
  }

  std::string out;
  if (!analysis.uncalled.empty())
    out += "N/A indicates a possibly missing statistic due to how the module was called. Missing values are "
           "still included in the parent's total.\n";
  ArchWriter(tree, stats, out).module(0, "", 0);
  return out;
}

}  // namespace flopscope
