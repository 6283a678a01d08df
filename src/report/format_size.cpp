#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "flopscope/report.h"
#include "text/python_text.h"

namespace flopscope {

namespace {

// Fixed point with `decimals` digits (C's %.*f rounds like Python's format), trailing zeros and point
// stripped; nullptr when x is small enough to be printed as it is.
bool scaled(double x, int decimals, std::string& out) {
  static const struct {
    double threshold, divisor;
    char suffix;
  } kUnits[] = {{1e14, 1e15, 'P'}, {1e11, 1e12, 'T'}, {1e8, 1e9, 'G'}, {1e5, 1e6, 'M'}, {1e2, 1e3, 'K'}};
  for (const auto& u : kUnits) {
    if (std::fabs(x) > u.threshold) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.*f", decimals, x / u.divisor);
      out = buf;
      if (out.find('.') != std::string::npos) {
        while (!out.empty() && out.back() == '0') out.pop_back();
        if (!out.empty() && out.back() == '.') out.pop_back();
      }
      out += u.suffix;
      return true;
    }
  }
  return false;
}

}  // namespace

std::string format_size(double x, int decimals) {
  std::string out;
  return scaled(x, decimals, out) ? out : text::python_float(x);
}

std::string format_size(Count x, int decimals) {
  std::string out;
  return scaled(static_cast<double>(x), decimals, out) ? out : std::to_string(x);
}

}  // namespace flopscope
