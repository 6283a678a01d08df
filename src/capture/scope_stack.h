#pragma once
// The thread's stack of ModuleScope names (full dotted paths), read by the C++ frontend resolver.
#include <string>

namespace flopscope::capture {

/// Full dotted path of the innermost open ModuleScope on this thread, nullptr when none is open.
const std::string* innermost_scope();

/// Whether this thread runs a graph torch traced for its control flow (ModuleScope::enter_traced).
bool in_traced_graph();

}  // namespace flopscope::capture
