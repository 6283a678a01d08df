// mmengine's complexity_stats_table: parameters, flops and activations per module, as a table.
#include <functional>
#include <string_view>
#include <unordered_set>

#include "flopscope/report.h"
#include "report/ascii_table.h"
#include "text/python_text.h"
#include "report/stats_map.h"

namespace flopscope {
namespace {

using report::TextStats;

// If `name` has exactly one child and their cells agree (or one of them is blank), the two print as one row
// under the child's name; repeated down the chain.
std::string fast_forward(std::string name, TextStats& stats, const report::ChildIndex& index) {
  for (;;) {
    const auto& children = index.of(name);
    if (children.size() != 1) return name;
    const std::string& child = children[0];
    auto& parent_cells = stats[name];
    auto& child_cells = stats[child];
    if (parent_cells.items().size() != child_cells.items().size()) return name;
    report::TextCells combined;
    for (const auto& [key, mine] : parent_cells.items()) {
      const std::string* theirs = child_cells.find(key);
      if (theirs == nullptr) return name;
      if (mine != *theirs && !mine.empty() && !theirs->empty()) return name;
      combined[key] = mine.empty() ? *theirs : mine;
    }
    child_cells = combined;
    name = child;
  }
}

}  // namespace

std::string render_table(const Analysis& analysis, int max_depth, bool show_param_shapes, const TableConsole& console) {
  const std::string params_header = show_param_shapes ? "#parameters or shape" : "#parameters";
  std::vector<std::string> columns = {params_header, "#flops", "#activations"};

  auto params = report::parameter_count(analysis.tree);
  auto flops = report::by_module(analysis.flops, analysis.tree);
  auto acts = report::by_module(analysis.activations, analysis.tree);
  std::vector<std::pair<std::string_view, const report::OrderedMap<Count>*>> groups = {
      {params_header, &params}, {"#flops", &flops}, {"#activations", &acts}};
  // A training step adds its backward's MACs as a last column; a forward's table is mmengine's exactly.
  const std::string backward_header = "#flops (backward)";
  auto backward = report::by_module(analysis.backward, analysis.tree);
  if (analysis.train_step) {
    columns.push_back(backward_header);
    groups.emplace_back(backward_header, &backward);
  }
  const std::string optimizer_header = "#flops (" + analysis.optimizer + ")";
  report::OrderedMap<Count> optimizer;
  if (!analysis.optimizer.empty()) {
    const auto sums = report::step_sums(analysis);
    for (const auto& node : analysis.tree.nodes) {
      const auto it = sums.find(node.path);
      optimizer[node.path] = it == sums.end() ? 0 : it->second.optimizer_macs;
    }
    columns.push_back(optimizer_header);
    groups.emplace_back(optimizer_header, &optimizer);
  }
  auto numbers = report::group_by_module(groups);
  numbers = report::remove_zero_statistics(numbers, {}, /*require_trivial_children=*/true);
  // Without shapes, parameters' rows go: they are not even formatted.
  std::unordered_set<std::string_view> param_names;  // a set: a list would make this modules x parameters
  for (const auto& p : analysis.tree.params) param_names.insert(p.name);
  const auto shown = [&](const std::string& name) { return show_param_shapes || param_names.count(name) == 0; };
  TextStats stats = report::pretty(numbers, 3, report::float_flops(analysis.flops), shown);

  // Uncalled modules that are still listed show blank counts.
  for (const auto& m : analysis.uncalled) {
    if (!stats.contains(m)) continue;
    stats[m]["#flops"] = "";
    stats[m]["#activations"] = "";
    if (analysis.train_step) stats[m][backward_header] = "";
  }
  // With shapes, parameters show their shape instead of their size.
  if (show_param_shapes) {
    for (const auto& p : analysis.tree.params)
      if (stats.contains(p.name)) stats[p.name][params_header] = text::python_tuple(p.shape);
  }

  std::vector<std::vector<std::string>> rows;
  auto add_row = [&](const std::string& shown, const std::string& name, int level) {
    const std::string indent(static_cast<std::size_t>(level), ' ');
    std::vector<std::string> row{indent + shown};
    const auto* cells = stats.find(name);
    for (const auto& col : columns) {
      const std::string* cell = cells ? cells->find(col) : nullptr;
      row.push_back(cell ? indent + *cell : std::string());
    }
    rows.push_back(std::move(row));
  };

  const report::ChildIndex index(stats);  // fast-forwarding rewrites values, never names
  const std::string root = fast_forward("", stats, index);
  const std::string root_prefix = root.empty() ? std::string() : root + ".";
  add_row(root.empty() ? "model" : root, root, 0);
  std::function<void(int, const std::string&)> fill = [&](int level, const std::string& prefix) {
    if (level > max_depth) return;
    for (const auto& child : index.of(prefix.empty() ? prefix : prefix.substr(0, prefix.size() - 1))) {
      std::string name = fast_forward(child, stats, index);
      std::string shown = name;
      if (!root_prefix.empty() && name.compare(0, root_prefix.size(), root_prefix) == 0)
        shown = name.substr(root_prefix.size());
      add_row(shown, name, level);
      fill(level + 1, name + ".");
    }
  };
  fill(1, root_prefix);

  std::vector<std::string> header{"module"};
  header.insert(header.end(), columns.begin(), columns.end());
  return report::render_ascii2(header, std::move(rows), console);
}

}  // namespace flopscope
