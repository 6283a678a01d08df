#pragma once
// Helpers shared by the test suites.
#include <torch/csrc/jit/serialization/import.h>

#include <string>

#include "flopscope/complexity.h"

namespace flopscope::test {

/// Where make_fixtures.py wrote the TorchScript and exported fixtures (the build tree's fixtures/).
std::string fixture_dir();

/// The source tree's tests/ folder (golden files, the fuzzer's corpus and regressions).
std::string tests_dir();

inline std::string fixture(const std::string& name) { return fixture_dir() + "/" + name; }

inline torch::jit::Module load_fixture(const std::string& name) { return torch::jit::load(fixture(name)); }

/// The text of tests/golden/NAME.
std::string read_golden(const std::string& name);

/// The table row whose first cell, trimmed, is `name` (cells trimmed), or {} if none.
std::vector<std::string> table_row(const std::string& table, const std::string& name);

}  // namespace flopscope::test
