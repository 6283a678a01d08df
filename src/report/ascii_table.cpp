#include "report/ascii_table.h"

#include "text/printable.h"

#include <algorithm>

namespace flopscope::report {
namespace {

// Display width: one column per UTF-8 code point (names and numbers are ASCII in practice).
std::size_t width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

static std::string render_rows(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

std::string render_ascii2(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  return render_ascii2(header, std::vector<std::vector<std::string>>(rows));
}

std::string render_ascii2(const std::vector<std::string>& header, std::vector<std::vector<std::string>>&& rows) {
  // Cells hold names from the model file: control bytes and invalid UTF-8 are escaped (text::printable), so that
  // nothing reaches the terminal raw. Ordinary cells are unchanged.
  for (auto& row : rows)
    for (auto& cell : row)
      if (!text::is_printable(cell)) cell = text::quoted(cell);
  return render_rows(header, rows);
}

static std::string render_rows(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t c = 0; c < widths.size() && c < row.size(); ++c) widths[c] = std::max(widths[c], width(row[c]));
  };
  measure(header);
  for (const auto& r : rows) measure(r);

  std::string rule = "+";
  for (auto w : widths) rule.append(w + 2, '-').append("+");
  rule += "\n";
  std::size_t line_size = 2;
  for (auto w : widths) line_size += w + 3;
  std::string out;
  out.reserve(rule.size() * 3 + line_size * (rows.size() + 1));
  auto line = [&](const std::vector<std::string>& row) {
    out += '|';
    for (std::size_t c = 0; c < widths.size(); ++c) {
      static const std::string kEmpty;
      const std::string& cell = c < row.size() ? row[c] : kEmpty;
      out += ' ';
      out += cell;
      out.append(widths[c] - width(cell) + 1, ' ');
      out += '|';
    }
    out += '\n';
  };
  out += rule;
  line(header);
  out += rule;
  for (const auto& r : rows) line(r);
  out += rule;
  return out;
}

}  // namespace flopscope::report
