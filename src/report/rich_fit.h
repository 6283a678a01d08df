#pragma once
// How rich fits a table into a console narrower than the table: what mmengine's table looks like in an 80-column
// log, a notebook (115) or a narrow terminal. rich's Table shrinks the widest columns first, each down to the next
// widest, then all evenly; a cell that no longer fits wraps at its spaces, and a word wider than its line is cut to
// one column less than the line and ends in "…". Reproduced here for left-justified cells with one column of
// padding each side (box.ASCII2, mmengine's only table); widths count code points, as the rest of the table does.
#include <cstddef>
#include <string>
#include <vector>

namespace flopscope::report::rich {

/// Column widths, padding included and borders not, fitted into `max_width` columns as rich's Table fits them
/// (Table._calculate_column_widths: _collapse_widths, then ratio_reduce evenly, then each column measured again at
/// its width). Unchanged when they already fit.
std::vector<std::size_t> fit_widths(const std::vector<std::size_t>& widths, std::size_t max_width);

/// The lines of a left-justified cell `width` columns wide (its padding not included), as rich wraps it with
/// overflow "ellipsis": broken before the word that would pass the edge, a word too long for any line cut to
/// width - 1 columns and "…", each line padded with spaces to `width`. One line for a cell that fits.
std::vector<std::string> wrap(const std::string& text, std::size_t width);

}  // namespace flopscope::report::rich
