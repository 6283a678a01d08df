#include "gpu/join.h"

#include <unordered_map>

namespace flopscope::gpu {

std::vector<std::int32_t> owner_ops(const Trace& trace, const std::unordered_set<std::string>& formula_ops,
                                    const std::unordered_set<std::string>& ignored_ops) {
  const auto n = trace.ops.size();
  std::vector<std::int32_t> owner(n, -1), top(n, -1);
  // decided: the walk down from the top-level ancestor has already stopped (at a formula or ignored op).
  std::vector<char> decided(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto self = static_cast<std::int32_t>(i);
    const std::int32_t p = trace.ops[i].parent;
    // Parents come before their children; anything else is a malformed trace, read as a top-level op.
    const bool nested = p >= 0 && p < self;
    top[i] = nested ? top[p] : self;
    if (nested && decided[p]) {
      owner[i] = owner[p];
      decided[i] = 1;
      continue;
    }
    const std::string& name = trace.ops[i].name;
    if (formula_ops.count(name) != 0) {
      owner[i] = self;
      decided[i] = 1;
    } else {
      // An ignored op hides the formulas below it, as in count_trace; its time stays with the top level.
      owner[i] = top[i];
      decided[i] = ignored_ops.count(name) != 0 ? 1 : 0;
    }
  }
  return owner;
}

namespace {

// Correlation id -> external id. CUPTI sends one record per API call made under a pushed id; should two
// disagree (a second external kind slipped through), the larger id wins so the result does not depend on
// buffer order: within a forward it is the later, i.e. more deeply nested, op.
std::unordered_map<std::uint32_t, std::uint64_t> external_by_correlation(const ActivityLog& log) {
  std::unordered_map<std::uint32_t, std::uint64_t> map;
  map.reserve(log.external.size());
  for (const auto& e : log.external) {
    auto [it, inserted] = map.emplace(e.correlation, e.external_id);
    if (!inserted && e.external_id > it->second) it->second = e.external_id;
  }
  return map;
}

}  // namespace

Attribution attribute_activity(const ActivityLog& log, const Trace& trace, const std::vector<std::int32_t>& owners,
                               std::size_t forwards) {
  const auto externals = external_by_correlation(log);
  Attribution out;
  auto resolve = [&](std::uint32_t correlation, std::uint64_t& unattributed) {
    ActivityOwner who;
    auto it = externals.find(correlation);
    if (it == externals.end()) {
      ++unattributed;
      return who;
    }
    const std::uint64_t id = it->second;
    const std::uint32_t forward = forward_of(id), op = op_of(id);
    if (id == 0 || forward >= forwards || op >= trace.ops.size() || op >= owners.size()) {
      ++out.bad_external_ids;
      ++unattributed;
      return who;
    }
    who.attributed = true;
    who.forward = forward;
    who.launcher = static_cast<std::int32_t>(op);
    who.owner = owners[op];
    return who;
  };
  out.kernels.reserve(log.kernels.size());
  for (const auto& k : log.kernels) out.kernels.push_back(resolve(k.correlation, out.unattributed_kernels));
  out.memory.reserve(log.memory.size());
  for (const auto& m : log.memory) out.memory.push_back(resolve(m.correlation, out.unattributed_memory));
  return out;
}

const std::string* module_of(const ActivityOwner& who, const Trace& trace) {
  if (!who.attributed || who.owner < 0 || static_cast<std::size_t>(who.owner) >= trace.ops.size()) return nullptr;
  return &trace.ops[who.owner].module;
}

}  // namespace flopscope::gpu
