#pragma once
// Why a forward failed, in one line a user can act on: the op and module it failed in, LibTorch's own first line,
// the forward's signature, and what each kind of failure usually means (a dtype, a traced shape, an op with no
// meta kernel). Shared by every model source.
#include <string>
#include <vector>

#include "capture/capture.h"
#include "capture/model_output.h"
#include "flopscope/errors.h"

namespace flopscope::api {

/// The line of a LibTorch error that says what went wrong (the last line of a TorchScript traceback).
std::string error_summary(const std::string& what);

/// "the model's forward failed in aten::linear (module 'fc1'): <LibTorch's first line>[; forward signature]".
ForwardFailed forward_failure(const capture::Session& session, const std::string& what, const std::string& signature);

/// A shape-only forward that failed: because it needs values, because LibTorch has no meta kernel for an op,
/// or (otherwise) for the reason a real forward would fail too.
ForwardFailed shape_only_failure(const capture::Session& session, const std::string& what, const std::string& signature);

/// A failure about dtypes or sizes, with which input has which dtype and shape, and what to do.
ForwardFailed with_input_hint(const ForwardFailed& e, const std::vector<c10::IValue>& inputs,
                              const c10::FunctionSchema* schema);

/// A failed forward's line, ending with what the model warned or printed last before it failed (quoted).
ForwardFailed with_model_output(const ForwardFailed& e, const capture::ModelOutput& said);

}  // namespace flopscope::api
