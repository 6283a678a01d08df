#pragma once
// Text from outside flopscope — what a model says, module names read from a model file or a report — made safe
// to show: one line, no terminal control, nothing that passes for flopscope's own words.
#include <string>
#include <vector>

#include "flopscope/model_messages.h"

namespace flopscope::report {

/// `text` as one printable line in double quotes: backslash, quote, control bytes (C0, DEL, C1) and bytes that
/// are not valid UTF-8 escaped (\n, \t, \x1b, ...), so that nothing in it can start a line, move the cursor or
/// pass for flopscope's own words.
std::string quoted(const std::string& text);

/// `text` unchanged when it is printable valid UTF-8 (no control bytes), else quoted(text).
std::string printable(const std::string& text);

/// One line per message: `the model warned (3 times): "..."`, `while loading, the model printed: "..."`, and `the model said N
/// more things, not shown` when some were dropped.
std::vector<std::string> model_output_lines(const ModelMessages& said);

}  // namespace flopscope::report
