#pragma once
// A report metric as text: metrics are read as doubles (JSON numbers of any size), printed without a
// fraction. No integer conversion: a huge value must print, not overflow (found by report_fuzz).
#include <cstdio>
#include <string>

namespace flopscope::compare_detail {

inline std::string number_text(double v) {
  char buf[64];
  // Counts are whole; GPU times and throughputs are not, and print with 4 significant digits.
  if (!(v < 1e15 && v > -1e15) || v == static_cast<double>(static_cast<long long>(v)))
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

}  // namespace flopscope::compare_detail
