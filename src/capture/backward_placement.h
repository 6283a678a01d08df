#pragma once
// Where a training step's backward work belongs. Autograd runs a node per forward op that needs a gradient; the
// dispatcher gave the forward op a sequence number and the node carries the same one, so each node (and every
// ATen op it runs) goes to the module whose forward made it: exact under nesting, and for a module called
// twice, each call's backward goes to that call's module (the number is per call, not per module).
#include "flopscope/op_record.h"

namespace flopscope::capture {

/// Gives every backward node of `trace` the module of the forward op with its sequence number, or of the custom
/// autograd function's call that made it (Trace::function_nodes), the root when there is none (the loss's seed,
/// gradient accumulation), and the ops inside a node their node's module.
void place_backward(Trace& trace);

/// The forward part of a step's trace: every op that ran in neither the backward nor the loss (OpRecord::loss).
Trace forward_part(const Trace& trace);

/// The backward part, as the counting stage reads a forward: autograd's own records (the node,
/// "autograd::engine::evaluate_function: AddmmBackward0", and its "AddmmBackward0") are dropped and the ATen
/// ops they ran become top-level ops of the node's module.
Trace backward_part(const Trace& trace);

}  // namespace flopscope::capture
