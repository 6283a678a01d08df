#pragma once
// A report metric as text: metrics are read as doubles (JSON numbers of any size), printed without a
// fraction. No integer conversion: a huge value must print, not overflow (found by report_fuzz).
#include <cstdio>
#include <string>

namespace flopscope::compare_detail {

inline std::string number_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

}  // namespace flopscope::compare_detail
