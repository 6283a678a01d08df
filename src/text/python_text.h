#pragma once
// Python's text for the values mmengine prints, so that flopscope's output is byte-identical to it.
#include <cstdint>
#include <string>
#include <vector>

namespace flopscope::text {

/// Python's repr(float): the shortest text that reads back to the same double ("0.1", "1e-05", "72.0").
std::string python_float(double x);

/// Python's str(tuple(shape)): "(64, 3, 7, 7)", "(10,)", "()".
std::string python_tuple(const std::vector<std::int64_t>& values);

/// A size Python code usually gives as one int (a pooling window): the int when every value is equal ("3"),
/// else the tuple ("(3, 2)"). A traced or exported graph holds the list either way.
std::string python_int_or_tuple(const std::vector<std::int64_t>& values);

}  // namespace flopscope::text
