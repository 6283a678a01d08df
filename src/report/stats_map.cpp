#include "report/stats_map.h"

#include <algorithm>
#include <functional>
#include <unordered_set>

#include "flopscope/report.h"

namespace flopscope::report {

OrderedMap<Count> parameter_count(const ModuleTree& tree) {
  OrderedMap<Count> out;
  for (const auto& p : tree.params) {
    out[""] += p.numel;
    for (std::size_t dot = p.name.find('.'); dot != std::string::npos; dot = p.name.find('.', dot + 1))
      out[p.name.substr(0, dot)] += p.numel;
    out[p.name] += p.numel;
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

NumberStats group_by_module(const std::vector<std::pair<std::string, const OrderedMap<Count>*>>& stats) {
  NumberStats out;
  for (const auto& [stat_name, values] : stats)
    for (const auto& [module, value] : values->items()) out[module][stat_name] = value;
  return out;
}

NumberStats remove_zero_statistics(const NumberStats& stats, const std::vector<std::string>& force_keep,
                                   bool require_trivial_children) {
  NumberStats out;
  std::unordered_set<std::string> keep(force_keep.begin(), force_keep.end());
  if (keep.empty()) keep.emplace();  // mmengine keeps the root only when nothing else is forced
  const ChildIndex children(stats);
  std::function<void(const std::string&)> visit = [&](const std::string& name) {
    bool trivial_children = true;
    for (const auto& child : children.of(name)) {
      visit(child);
      trivial_children = trivial_children && !out.contains(child);
    }
    const auto* values = stats.find(name);
    if (values == nullptr) return;
    bool all_zero = std::all_of(values->items().begin(), values->items().end(),
                                [](const auto& kv) { return kv.second == 0; });
    bool forced = keep.count(name) != 0;
    if (!all_zero || forced || (require_trivial_children && !trivial_children)) out[name] = *values;
  };
  visit("");
  return out;
}

TextStats pretty(const NumberStats& stats, int decimals,
                 const std::function<bool(const std::string&, const std::string&)>& is_float) {
  TextStats out;
  for (const auto& [module, values] : stats.items()) {
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
