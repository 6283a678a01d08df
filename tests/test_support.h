#pragma once
// Helpers shared by the test suites.
#include <torch/csrc/jit/serialization/import.h>

#include <string>

#include "flopscope/complexity.h"

namespace flopscope::test {

inline std::string fixture(const std::string& name) { return std::string(FLOPSCOPE_FIXTURE_DIR) + "/" + name; }

inline torch::jit::Module load_fixture(const std::string& name) { return torch::jit::load(fixture(name)); }

/// The text of tests/golden/NAME.
std::string read_golden(const std::string& name);

/// The table row whose first cell, trimmed, is `name` (cells trimmed), or {} if none.
std::vector<std::string> table_row(const std::string& table, const std::string& name);

}  // namespace flopscope::test
