#pragma once
// The one line an error prints as, whichever process caught it (the command, or the confined child).
#include <string>

namespace flopscope::cli {

/// The current exception (call inside a catch block) as one line, without the "flopscope: error: " prefix:
/// flopscope's own messages as they are, LibTorch's and others' first line.
std::string current_error_line();

}  // namespace flopscope::cli
