#pragma once
// Joining CUPTI's activity records to the captured ops: every kernel, memcpy and memset is traced back
// through its launch's correlation id to the external id that was on top of the thread's stack (one op of
// one recorded forward), and from that op to the op that owns its cost and to that op's module.
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "flopscope/gpu.h"
#include "flopscope/op_record.h"

namespace flopscope::gpu {

/// For every op of the trace, the op its device time is charged to, the way the counting stage charges
/// MACs: walking down from the op's top-level ancestor, the first op whose name has a flops formula (the
/// outermost one), unless an ignored op comes first; with none, the top-level ancestor itself. So
/// aten::linear -> aten::addmm -> kernel goes to aten::linear when linear has a formula. A parent index
/// that does not point at an earlier op ends the walk (the op is treated as top-level).
std::vector<std::int32_t> owner_ops(const Trace& trace, const std::unordered_set<std::string>& formula_ops,
                                    const std::unordered_set<std::string>& ignored_ops = {});

/// Attributes every kernel and memory record of `log`. Records may come in any order: the correlation maps
/// are built first. `forwards` is the number of recorded forwards; an external id naming a forward at or
/// past it, or an op outside the trace, leaves the record unattributed (and counted in bad_external_ids).
/// `owners` is owner_ops' result for `trace`.
Attribution attribute_activity(const ActivityLog& log, const Trace& trace, const std::vector<std::int32_t>& owners,
                               std::size_t forwards);

/// The owner op's module path for an attributed record ("" = the root), or nullptr when unattributed.
const std::string* module_of(const ActivityOwner& who, const Trace& trace);

}  // namespace flopscope::gpu
