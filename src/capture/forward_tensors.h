#pragma once
// What tensors a forward runs on, as the capture must know to tell the model's ops from torch's tracing
// (capture/torch_tracing.h).

namespace flopscope::capture {

/// The tensors the forward itself runs on. `real`: it computes, and an op on meta or fake tensors inside it is
/// torch tracing a function. `meta` (shape-only): its ops on meta tensors are the model's. `fake` (shape-only, the
/// Python package's fallback when a model reads values): it runs under a FakeTensorMode of its own, whose ops are
/// the model's too; only make_fx's proxy mode marks torch's tracing there.
enum class ForwardTensors { real, meta, fake };

}  // namespace flopscope::capture
