#include "report/stats_map.h"

#include <algorithm>
#include <functional>
#include <string_view>
#include <unordered_set>

#include "flopscope/report.h"

namespace flopscope::report {

OrderedMap<Count> parameter_count(const ModuleTree& tree) {
  OrderedMap<Count> out;
  for (const auto& p : tree.params) {
    out[""] += p.numel;
    const std::string_view name = p.name;
    for (std::size_t dot = name.find('.'); dot != std::string_view::npos; dot = name.find('.', dot + 1))
      out[name.substr(0, dot)] += p.numel;
    out[name] += p.numel;
  }
  return out;
}

std::unordered_map<std::string, StepSums> step_sums(const Analysis& a) {
  std::unordered_map<std::string, StepSums> out;
  for (const auto& p : a.step_params) {
    const auto dot = p.name.rfind('.');
    const Count bytes = p.numel * p.element_bytes;
    for (const auto& m : module_and_ancestors(dot == std::string::npos ? std::string() : p.name.substr(0, dot))) {
      StepSums& s = out[m];
      s.parameter_bytes += bytes;
      if (!p.gradient) continue;
      s.gradient_bytes += bytes;
      s.optimizer_state_bytes += a.optimizer_state_per_element * bytes;
      s.optimizer_macs += a.optimizer_ops_per_element * p.numel;
    }
  }
  for (const auto& [module, bytes] : a.saved_activations.bytes)
    for (const auto& m : module_and_ancestors(module)) out[m].saved_activation_bytes += bytes;
  return out;
}

NumberStats group_by_module(const std::vector<std::pair<std::string_view, const OrderedMap<Count>*>>& stats) {
  NumberStats out;
  for (const auto& [stat_name, values] : stats)
    for (const auto& [module, value] : values->items()) out[module][stat_name] = value;
  return out;
}

NumberStats remove_zero_statistics(const NumberStats& stats, const std::vector<std::string>& force_keep,
                                   bool require_trivial_children) {
  // By position in `stats`: each name's children (mmengine's rule: one more dot, same prefix) found through one
  // lookup of its parent, where asking per name would be a string hash per child per visit.
  const auto& items = stats.items();
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  const std::size_t root = stats.position("");
  std::vector<std::size_t> root_children;
  std::vector<std::vector<std::size_t>> children(items.size());
  for (std::size_t j = 0; j < items.size(); ++j) {
    const std::string_view name = items[j].first;
    if (name.empty()) continue;
    const auto dot = name.rfind('.');
    if (dot == std::string_view::npos) {
      root_children.push_back(j);
      continue;
    }
    const std::size_t parent = stats.position(name.substr(0, dot));
    if (parent != kNone) children[parent].push_back(j);  // a name under an absent parent is never reached
  }
  std::unordered_set<std::string_view> keep(force_keep.begin(), force_keep.end());
  if (keep.empty()) keep.emplace();  // mmengine keeps the root only when nothing else is forced

  // Post-order, as mmengine builds its result: a module's children (kept or not) before the module.
  std::vector<char> kept(items.size(), 0);
  std::vector<std::size_t> order;
  const auto decide = [&](std::size_t j, bool trivial_children) {
    const auto& values = items[j].second.items();
    const bool all_zero = std::all_of(values.begin(), values.end(), [](const auto& kv) { return kv.second == 0; });
    if (!all_zero || keep.count(items[j].first) != 0 || (require_trivial_children && !trivial_children)) {
      kept[j] = 1;
      order.push_back(j);
    }
  };
  struct Frame {
    std::size_t name;  // kNone: the root, whether or not the map holds it
    std::size_t next;
  };
  std::vector<Frame> stack{{kNone, 0}};
  while (!stack.empty()) {
    Frame& f = stack.back();
    const auto& mine = f.name == kNone ? root_children : children[f.name];
    if (f.next < mine.size()) {
      stack.push_back({mine[f.next++], 0});  // invalidates f
      continue;
    }
    const std::size_t name = f.name;
    stack.pop_back();
    const std::size_t j = name == kNone ? root : name;
    if (j == kNone) continue;
    bool trivial_children = true;
    for (const std::size_t c : mine) trivial_children = trivial_children && !kept[c];
    decide(j, trivial_children);
  }

  NumberStats out;
  out.reserve(order.size());
  for (const std::size_t j : order) out[items[j].first] = items[j].second;
  return out;
}

TextStats pretty(const NumberStats& stats, int decimals,
                 const std::function<bool(const std::string&, std::string_view)>& is_float,
                 const std::function<bool(const std::string&)>& shown) {
  TextStats out;
  for (const auto& [module, values] : stats.items()) {
    if (shown && !shown(module)) continue;
    auto& row = out[module];
    for (const auto& [stat, value] : values.items())
      row[stat] = is_float && is_float(module, stat) ? format_size(static_cast<double>(value), decimals)
                                                     : format_size(value, decimals);
  }
  return out;
}

OrderedMap<Count> by_module(const StatResult& stat, const ModuleTree& tree) {
  OrderedMap<Count> out;
  for (const auto& node : tree.nodes) out[node.path] = stat.total(node.path);
  return out;
}

}  // namespace flopscope::report
