#include "report/ascii_table.h"

#include "report/rich_fit.h"
#include "text/printable.h"

#include <algorithm>

namespace flopscope::report {
namespace {

// Display width: one column per UTF-8 code point (names and numbers are ASCII in practice).
std::size_t width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// How rich writes one cell line into the table: a styled line is its padding, its text and its padding again, each
// wrapped in the style's codes (rich renders each segment on its own); a blank line of a styled cell is one segment.
struct CellWriter {
  bool bold = false;
  // The cell's text and `fill` spaces after it (left-justified to the column).
  void text(std::string& out, const std::string& cell, std::size_t fill) const {
    out += bold ? "\x1b[1m \x1b[0m\x1b[1m" : " ";
    out += cell;
    out.append(fill, ' ');
    out += bold ? "\x1b[0m\x1b[1m \x1b[0m" : " ";
  }
  void blank(std::string& out, std::size_t columns) const {
    if (bold) out += "\x1b[1m";
    out.append(columns, ' ');
    if (bold) out += "\x1b[0m";
  }
};

std::string rule_of(const std::vector<std::size_t>& padded) {
  std::string rule = "+";
  for (auto w : padded) rule.append(w, '-').append("+");
  rule += "\n";
  return rule;
}

// The rules around the header and around the rows; `line(row, is_header)` appends one row to `out`.
template <class Line>
void framed(std::string& out, const std::string& rule, const std::vector<std::string>& header,
            const std::vector<std::vector<std::string>>& rows, Line& line) {
  out += rule;
  line(header, true);
  out += rule;
  for (const auto& r : rows) line(r, false);
  out += rule;
}

// A table wider than its console, as rich draws it: fitted column widths, each row as many lines as its tallest
// cell wraps to, the shorter cells blank below (above, in the header, which rich aligns to the bottom).
std::string render_fitted(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                          const std::vector<std::size_t>& padded, bool bold_header) {
  const std::string rule = rule_of(padded);
  std::string out;
  auto line = [&](const std::vector<std::string>& row, bool is_header) {
    const CellWriter write{is_header && bold_header};
    std::vector<std::vector<std::string>> cells(padded.size());
    std::size_t height = 1;
    for (std::size_t c = 0; c < padded.size(); ++c) {
      static const std::string kEmpty;
      const std::string& cell = c < row.size() ? row[c] : kEmpty;
      cells[c] = rich::wrap(cell, padded[c] >= 2 ? padded[c] - 2 : 0);
      height = std::max(height, cells[c].size());
    }
    for (std::size_t l = 0; l < height; ++l) {
      out += '|';
      for (std::size_t c = 0; c < padded.size(); ++c) {
        const std::size_t empty = height - cells[c].size();  // lines the cell leaves blank
        if (padded[c] < 3)  // no room for text inside the padding: rich crops the cell to blanks
          out.append(padded[c], ' ');
        else if (is_header ? l >= empty : l < cells[c].size())
          write.text(out, cells[c][is_header ? l - empty : l], 0);  // wrap() padded it
        else
          write.blank(out, padded[c]);
        out += '|';
      }
      out += '\n';
    }
  };
  framed(out, rule, header, rows, line);
  return out;
}

}  // namespace

std::string render_ascii2(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                          const TableConsole& console) {
  return render_ascii2(header, std::vector<std::vector<std::string>>(rows), console);
}

std::string render_ascii2(const std::vector<std::string>& header, std::vector<std::vector<std::string>>&& rows,
                          const TableConsole& console) {
  // Cells hold names from the model file: control bytes and invalid UTF-8 are escaped (text::printable), so that
  // nothing reaches the terminal raw. Ordinary cells are unchanged.
  for (auto& row : rows)
    for (auto& cell : row)
      if (!text::is_printable(cell)) cell = text::quoted(cell);

  std::vector<std::size_t> widths(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t c = 0; c < widths.size() && c < row.size(); ++c) widths[c] = std::max(widths[c], width(row[c]));
  };
  measure(header);
  for (const auto& r : rows) measure(r);
  std::vector<std::size_t> padded;
  std::size_t total = 0;
  for (auto w : widths) padded.push_back(w + 2), total += w + 2;

  // rich gives the columns the console's width less the borders: one '|' before each column and one at the end.
  const std::size_t borders = widths.size() + 1;
  if (console.width != 0 && total + borders > console.width)
    return render_fitted(header, rows, rich::fit_widths(padded, console.width > borders ? console.width - borders : 0),
                         console.styled);

  const std::string rule = rule_of(padded);
  std::string out;
  out.reserve(rule.size() * (rows.size() + 4));
  auto line = [&](const std::vector<std::string>& row, bool is_header) {
    const CellWriter write{is_header && console.styled};
    out += '|';
    for (std::size_t c = 0; c < widths.size(); ++c) {
      static const std::string kEmpty;
      const std::string& cell = c < row.size() ? row[c] : kEmpty;
      write.text(out, cell, widths[c] - width(cell));
      out += '|';
    }
    out += '\n';
  };
  framed(out, rule, header, rows, line);
  return out;
}

}  // namespace flopscope::report
