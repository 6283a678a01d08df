#pragma once
// Counting a trace: each op the model calls is counted once, where it is called (never inside its CPU
// implementation; traced_through says where the tracer looks inside, an op set's counted_inside where the op's
// children hold what its formula would need), and the count is credited to the op's module and every module above
// it (mmengine's "owner" mode).
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "flopscope/analysis.h"

namespace flopscope::count {

/// Counts `trace` with `handlers` (ops.flops or ops.activations); the rest of `ops` says which ops are ignored and
/// which are counted by the ops they call.
StatResult count_trace(const Trace& trace, const std::unordered_map<std::string, Handler>& handlers,
                       const OpSet& ops);

/// Whether torch.jit.trace records the ops `op` calls instead of `op` itself (conv2d, lstm_cell, ...): counting
/// looks inside these for a formula, and inside no other op.
bool traced_through(const std::string& op);

/// The ops that counting with `ops` looks inside, for its flops or its activations (traced_through and the set's
/// counted_inside, less those it has a formula for or ignores), sorted. Inside any other op nothing is counted.
std::vector<std::string> looked_inside(const OpSet& ops);

/// Canonical paths of the tree's modules that no op of the trace ran in (nor below), sorted.
std::vector<std::string> uncalled_modules(const Trace& trace, const ModuleTree& tree);

}  // namespace flopscope::count
