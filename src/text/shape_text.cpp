#include "text/shape_text.h"

#include <cerrno>
#include <cstdlib>

#include "flopscope/errors.h"

namespace flopscope::text {

std::vector<long> parse_shape(const std::string& text) {
  std::vector<long> dims;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find_first_of(",x", start);
    std::string part = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    errno = 0;
    char* stop = nullptr;
    long v = std::strtol(part.c_str(), &stop, 10);
    if (part.empty() || stop != part.c_str() + part.size() || errno != 0 || v < 0)
      throw InvalidInput("bad input shape '" + text + "': expected non-negative integers such as 3,224,224");
    dims.push_back(v);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return dims;
}

}  // namespace flopscope::text

namespace flopscope::text {

InputSpec parse_input_spec(const std::string& text) {
  const auto colon = text.find(':');
  InputSpec spec;
  spec.dims = parse_shape(text.substr(0, colon));
  if (colon != std::string::npos) {
    spec.dtype = text.substr(colon + 1);
    if (spec.dtype.empty())
      throw InvalidInput("bad input '" + text + "': a dtype follows the colon, e.g. 1,128:int64");
  }
  return spec;
}

}  // namespace flopscope::text
