// SI-prefixed and fixed-point numbers: the formatters the GPU reports and the validate-ops command share.
#include "flopscope/si_format.h"

#include <cmath>
#include <cstdio>

namespace flopscope {

std::string format_si(double value, int significant, const std::string& unit) {
  static const char* const kPrefixes[] = {"", "K", "M", "G", "T", "P", "E"};
  int p = 0;
  while (std::fabs(value) >= 1000 && p < 6) value /= 1000, ++p;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", significant, value);
  // " B/s" -> "820 GB/s": the space belongs before the prefix.
  const bool spaced = !unit.empty() && unit[0] == ' ';
  return std::string(buf) + (spaced ? " " : "") + kPrefixes[p] + (spaced ? unit.substr(1) : unit);
}

std::string fixed_point(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

}  // namespace flopscope
