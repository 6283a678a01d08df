#pragma once
// The text of a shape and an input as the command line gives them (--input-shape, --full-shape): plain C++,
// so the fuzz target links it alone.
#include <string>
#include <vector>

namespace flopscope::text {

/// Parses "3,224,224" (or "3x224x224"); throws InvalidInput with the offending text.
std::vector<long> parse_shape(const std::string& text);

/// One forward argument as the command line gives it: "1,128:int64" is a shape and that input's own dtype.
struct InputSpec {
  std::vector<long> dims;
  std::string dtype;  ///< "" when the text has no ":DTYPE" (the input takes --dtype)
};

/// Parses "SHAPE" or "SHAPE:DTYPE"; the dtype's name is checked by whoever makes the tensor.
InputSpec parse_input_spec(const std::string& text);

}  // namespace flopscope::text
