#pragma once
// Meta-device kernels that LibTorch's C++ runtime lacks (the Python package registers its own from
// torch/_meta_registrations.py, which a C++ program never loads), so that shape-only analysis can run
// convolutions, pooling and the other ops of common models without touching data.

namespace flopscope::capture {

/// While an instance lives (a shape-only analysis holds one), a Meta kernel is registered for each op of
/// flopscope's list that has none of its own; when the last instance goes, they are deregistered, so that a
/// process embedding flopscope keeps the dispatcher it had. An op that already has a Meta kernel (a later
/// LibTorch, another library's) is left alone. Thread-safe: concurrent analyses share one registration.
class MetaKernels {
 public:
  MetaKernels();
  ~MetaKernels();
  MetaKernels(const MetaKernels&) = delete;
  MetaKernels& operator=(const MetaKernels&) = delete;
};

}  // namespace flopscope::capture
