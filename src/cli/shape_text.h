#pragma once
// Parsing --input-shape values; no LibTorch, so the fuzz target links it alone.
#include <string>
#include <vector>

namespace flopscope::cli {

/// Parses "3,224,224" (or "3x224x224"); throws InvalidInput with the offending text.
std::vector<long> parse_shape(const std::string& text);

}  // namespace flopscope::cli
