#pragma once
// Insertion-ordered maps: mmengine's table and arch depend on Python dict order at every step.
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "flopscope/analysis.h"

namespace flopscope::report {

/// Keys are std::string, or std::string_view where every key views a string that outlives the map (the
/// statistic names of one report: no allocation per module for them). Lookups take any string_view.
template <class V, class K = std::string>
class OrderedMap {
 public:
  V& operator[](std::string_view key) {
    const std::size_t i = index_of(key);
    if (i != kMissing) return m_items[i].second;
    m_items.emplace_back(K(key), V{});
    if (m_items.size() > kLinear) {
      if (2 * m_items.size() > m_slots.size())
        reindex();
      else
        place(m_items.size() - 1);
    }
    return m_items.back().second;
  }
  const V* find(std::string_view key) const {
    const std::size_t i = index_of(key);
    return i == kMissing ? nullptr : &m_items[i].second;
  }
  V* find(std::string_view key) {
    const std::size_t i = index_of(key);
    return i == kMissing ? nullptr : &m_items[i].second;
  }
  bool contains(std::string_view key) const { return index_of(key) != kMissing; }
  /// The key's place in items(), or std::size_t(-1) when it is not there.
  std::size_t position(std::string_view key) const { return index_of(key); }
  const std::vector<std::pair<K, V>>& items() const { return m_items; }
  void reserve(std::size_t n) { m_items.reserve(n); }

 private:
  // Most maps hold a module's three or four statistics: a scan beats hashing, and building a hash table
  // per module cost more than the rest of the report. Past kLinear items, an open-addressing table of positions
  // in m_items (kept at most half full): no second copy of each key, and copying the map copies plain numbers.
  static constexpr std::size_t kLinear = 8;
  static constexpr std::size_t kMissing = static_cast<std::size_t>(-1);
  static std::size_t hash(std::string_view key) { return std::hash<std::string_view>{}(key); }
  std::size_t index_of(std::string_view key) const {
    if (m_items.size() <= kLinear) {
      for (std::size_t j = 0; j < m_items.size(); ++j)
        if (m_items[j].first == key) return j;
      return kMissing;
    }
    const std::size_t mask = m_slots.size() - 1;
    for (std::size_t s = hash(key) & mask; m_slots[s] != 0; s = (s + 1) & mask)
      if (m_items[m_slots[s] - 1].first == key) return m_slots[s] - 1;
    return kMissing;
  }
  void place(std::size_t position) {
    const std::size_t mask = m_slots.size() - 1;
    std::size_t s = hash(m_items[position].first) & mask;
    while (m_slots[s] != 0) s = (s + 1) & mask;
    m_slots[s] = position + 1;
  }
  void reindex() {
    std::size_t size = 32;
    while (size < 4 * m_items.size()) size *= 2;
    m_slots.assign(size, 0);
    for (std::size_t j = 0; j < m_items.size(); ++j) place(j);
  }

  std::vector<std::pair<K, V>> m_items;
  std::vector<std::size_t> m_slots;  // position + 1 in m_items; 0: empty
};

// A module's statistics, named by views of the report's column names (which outlive every map of the report).
using Cells = OrderedMap<Count, std::string_view>;
using TextCells = OrderedMap<std::string, std::string_view>;
using NumberStats = OrderedMap<Cells>;    // module -> statistic -> value
using TextStats = OrderedMap<TextCells>;  // module -> statistic -> formatted value

/// The direct children of every name of a map (mmengine's rule: one more dot, same prefix; the root is
/// nobody's child), in the map's order. Built once: asking the map per name would be quadratic.
class ChildIndex {
 public:
  template <class V>
  explicit ChildIndex(const OrderedMap<V>& map) {
    for (const auto& kv : map.items()) {
      if (kv.first.empty()) continue;
      auto dot = kv.first.rfind('.');
      m_children[dot == std::string::npos ? std::string() : kv.first.substr(0, dot)].push_back(kv.first);
    }
  }
  const std::vector<std::string>& of(const std::string& name) const {
    static const std::vector<std::string> kNone;
    auto it = m_children.find(name);
    return it == m_children.end() ? kNone : it->second;
  }

 private:
  std::unordered_map<std::string, std::vector<std::string>> m_children;
};

/// mmengine's parameter_count: every parameter's elements added to '', each enclosing module, and itself.
OrderedMap<Count> parameter_count(const ModuleTree& tree);

/// A training step's memory and optimizer work per module, summed over its parameters (a parameter counts in the
/// module that owns it and every module above).
struct StepSums {
  Count parameter_bytes = 0;
  Count gradient_bytes = 0;         ///< parameters the backward gave a gradient
  Count optimizer_state_bytes = 0;  ///< the optimizer's state for those (AdamW: m and v)
  Count optimizer_macs = 0;         ///< its update, elementwise operations one each
  Count saved_activation_bytes = 0; ///< what its forward allocated and held for the backward (its subtree's ops)
};
std::unordered_map<std::string, StepSums> step_sums(const Analysis& analysis);

/// Groups per-statistic maps into per-module maps, statistics in the given order. The statistic names are
/// viewed, not copied: they must outlive the result.
NumberStats group_by_module(const std::vector<std::pair<std::string_view, const OrderedMap<Count>*>>& stats);

/// mmengine's `_remove_zero_statistics`: drops all-zero modules (post-order result, as mmengine builds it).
NumberStats remove_zero_statistics(const NumberStats& stats, const std::vector<std::string>& force_keep,
                                   bool require_trivial_children);

/// Every statistic formatted with format_size(value, decimals); a value mmengine holds as a Python float
/// (`is_float(module, statistic)`) prints as one ("72.0"). Only the names `shown` keeps (all without it): a
/// report formats what it prints, not every parameter's row.
TextStats pretty(const NumberStats& stats, int decimals,
                 const std::function<bool(const std::string&, std::string_view)>& is_float = {},
                 const std::function<bool(const std::string&)>& shown = {});

/// pretty()'s is_float for a "#flops" column: the modules whose mmengine total is a Python float.
inline auto float_flops(const StatResult& flops) {
  return [&flops](const std::string& module, std::string_view stat) {
    return stat == "#flops" && !flops.float_modules.empty() && flops.float_modules.count(module) != 0;
  };
}

/// by_module: the statistic's total for every module of the tree, zeros included, in tree order.
OrderedMap<Count> by_module(const StatResult& stat, const ModuleTree& tree);

}  // namespace flopscope::report
