#pragma once
// A table drawn as rich's box.ASCII2 draws it (what mmengine prints): '+' corners, '-' rules, '|' columns,
// one space of padding each side, every cell left-aligned, a rule under the header, no row separators.
#include <cstddef>
#include <string>
#include <vector>

#include "flopscope/table_console.h"

namespace flopscope::report {

/// console: where rich would print it (flopscope/table_console.h); by default nowhere, as wide as its cells.
std::string render_ascii2(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                          const TableConsole& console = {});
/// The same, escaping the cells in place: for a caller done with its rows.
std::string render_ascii2(const std::vector<std::string>& header, std::vector<std::vector<std::string>>&& rows,
                          const TableConsole& console = {});

}  // namespace flopscope::report
