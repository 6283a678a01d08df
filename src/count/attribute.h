#pragma once
// Counting a trace: each top-level op's subtree is counted once, at its outermost op with a formula, and
// the count is credited to the op's module and every module above it (mmengine's "owner" mode).
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "flopscope/analysis.h"

namespace flopscope::count {

StatResult count_trace(const Trace& trace, const std::unordered_map<std::string, Handler>& handlers,
                       const std::unordered_set<std::string>& ignored);

/// "a.b.c" -> {"a.b.c", "a.b", "a", ""}; "" -> {""}.
std::vector<std::string> module_and_ancestors(const std::string& path);

/// Canonical paths of the tree's modules that no op of the trace ran in (nor below), sorted.
std::vector<std::string> uncalled_modules(const Trace& trace, const ModuleTree& tree);

}  // namespace flopscope::count
