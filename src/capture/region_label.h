#pragma once
// Which RecordFunction records are labels around a region rather than operators.
#include <ATen/record_function.h>

#include <cstring>

namespace flopscope::capture {

/// Every operator is named "namespace::op". A FUNCTION-scope record without one is a label some code put around
/// a region (torch.compile's "TorchDynamo Cache Lookup" and "Torch-Compiled Region: 0/0"): neither an op to count
/// nor one to call unsupported. The capture and the op observers both leave it out, so that their op sequences
/// stay the same (the GPU timing pass joins them by position). Backward nodes ("AddmmBackward0") are
/// BACKWARD_FUNCTION records and stay.
inline bool is_region_label(const at::RecordFunction& fn) {
  // strstr stops at an operator's "::" a few characters in: cheap on the capture's per-op path.
  return fn.scope() == at::RecordScope::FUNCTION && std::strstr(fn.name(), "::") == nullptr;
}

}  // namespace flopscope::capture
