#include "test_support.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace flopscope::test {
namespace {
std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(' ') - b + 1);
}
}  // namespace

std::string read_golden(const std::string& name) {
  std::ifstream in(tests_dir() + "/golden/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("missing golden file " + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> table_row(const std::string& table, const std::string& name) {
  std::size_t start = 0;
  while (start < table.size()) {
    std::size_t end = table.find('\n', start);
    if (end == std::string::npos) end = table.size();
    std::string line = table.substr(start, end - start);
    start = end + 1;
    if (line.empty() || line[0] != '|') continue;
    std::vector<std::string> cells;
    std::size_t p = 1;
    while (p < line.size()) {
      std::size_t q = line.find('|', p);
      if (q == std::string::npos) break;
      cells.push_back(trim(line.substr(p, q - p)));
      p = q + 1;
    }
    if (!cells.empty() && cells[0] == name) return cells;
  }
  return {};
}

}  // namespace flopscope::test
