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
  // Cells hold names from the model file: control bytes and invalid UTF-8 are escaped (text::printable), so that
  // nothing reaches the terminal raw. Ordinary cells are unchanged.
  std::vector<std::vector<std::string>> safe = rows;
  for (auto& row : safe)
    for (auto& cell : row) cell = text::printable(cell);
  return render_rows(header, safe);
}

static std::string render_rows(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t c = 0; c < widths.size() && c < row.size(); ++c) widths[c] = std::max(widths[c], width(row[c]));
  };
  measure(header);
  for (const auto& r : rows) measure(r);

  std::string rule = "+";
  for (auto w : widths) rule += std::string(w + 2, '-') + "+";
  rule += "\n";
  auto line = [&](const std::vector<std::string>& row) {
    std::string out = "|";
    for (std::size_t c = 0; c < widths.size(); ++c) {
      const std::string cell = c < row.size() ? row[c] : std::string();
      out += " " + cell + std::string(widths[c] - width(cell), ' ') + " |";
    }
    return out + "\n";
  };

  std::string out = rule + line(header) + rule;
  for (const auto& r : rows) out += line(r);
  return out + rule;
}

}  // namespace flopscope::report
