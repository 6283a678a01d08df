#pragma once
// Text from outside flopscope — what a model says, module names read from a model file or a report — made safe
// to show: one line, no terminal control, nothing that passes for flopscope's own words.
#include <string>


namespace flopscope::text {

/// `text` as one printable line in double quotes: backslash, quote, control bytes (C0, DEL, C1) and bytes that
/// are not valid UTF-8 escaped (\n, \t, \x1b, ...), so that nothing in it can start a line, move the cursor or
/// pass for flopscope's own words.
std::string quoted(const std::string& text);

/// `text` unchanged when it is printable valid UTF-8 (no control bytes), else quoted(text).
std::string printable(const std::string& text);
/// Whether printable(text) is text itself.
bool is_printable(const std::string& text);

/// printable(text), made safe for a spreadsheet: a field that starts with '=', '+', '-', '@', a tab or a carriage
/// return would be read as a formula (CSV injection), so it gets a leading apostrophe, as OWASP advises.
std::string spreadsheet_safe(const std::string& text);

}  // namespace flopscope::text
