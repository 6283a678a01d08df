#pragma once
// A table drawn as rich's box.ASCII2 draws it (what mmengine prints): '+' corners, '-' rules, '|' columns,
// one space of padding each side, every cell left-aligned, a rule under the header, no row separators.
#include <string>
#include <vector>

namespace flopscope::report {

std::string render_ascii2(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
/// The same, escaping the cells in place: for a caller done with its rows.
std::string render_ascii2(const std::vector<std::string>& header, std::vector<std::vector<std::string>>&& rows);

}  // namespace flopscope::report
