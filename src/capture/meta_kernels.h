#pragma once
// Meta-device kernels that LibTorch's C++ runtime lacks (the Python package registers its own from
// torch/_meta_registrations.py, which a C++ program never loads), so that shape-only analysis can run
// convolutions, pooling and the other ops of common models without touching data.

namespace flopscope::capture {

/// Registers, once per process, a Meta kernel for each op of flopscope's list that has none yet. An op that
/// already has one (a later LibTorch, or a library that registered its own) is left alone: registering twice
/// would be an error at load.
void install_meta_kernels();

}  // namespace flopscope::capture
