#pragma once
// Cutting a trace down for counting: what a model source leaves out of what the capture saw (a shape-only run's
// composite children, the work mmengine's traced graph drops, an exported graph's bookkeeping nodes).
#include <functional>

#include "flopscope/op_record.h"

namespace flopscope::api {

/// The trace with only the ops `keep` accepts; an op whose parent was dropped goes with it (its subtree is its
/// parent's implementation). `keep` sees the op and its kept parent (null at the top level).
Trace filtered(Trace trace, const std::function<bool(const OpRecord&, const OpRecord*)>& keep);

/// A shape-only trace as the CPU's would be: on the CPU a few ops run as one fused kernel (mkldnn RNNs, the CPU
/// flash attention) with nothing below them that a report counts; on meta, having no such kernel, LibTorch runs
/// their composite form (linear layers, matmuls, softmax), whose records are dropped here.
Trace without_composite_children(Trace trace);

}  // namespace flopscope::api
