#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "flopscope/report.h"
#include "report/python_format.h"

namespace flopscope {
namespace report {

std::string python_float(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  int precision = 1;
  for (; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision - 1, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  // buf is "[-]d.ddde[+-]xx": split into digits and decimal exponent.
  std::string s(buf);
  bool negative = s[0] == '-';
  if (negative) s.erase(0, 1);
  auto e = s.find('e');
  int exponent = std::atoi(s.c_str() + e + 1);
  std::string digits = s.substr(0, e);
  if (digits.size() > 1) digits.erase(1, 1);  // drop the point
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out;
  if (exponent >= -4 && exponent < 16) {  // Python's repr switches to exponent form outside this range
    int point = exponent + 1;             // digits before the point
    if (point <= 0) {
      out = "0." + std::string(-point, '0') + digits;
    } else if (point >= static_cast<int>(digits.size())) {
      out = digits + std::string(point - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, point) + "." + digits.substr(point);
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp_buf[16];
    std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out += exp_buf;
  }
  return negative ? "-" + out : out;
}

std::string python_tuple(const std::vector<std::int64_t>& values) {
  std::string out = "(";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(values[i]);
  }
  if (values.size() == 1) out += ",";
  return out + ")";
}

}  // namespace report

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
  return scaled(x, decimals, out) ? out : report::python_float(x);
}

std::string format_size(Count x, int decimals) {
  std::string out;
  return scaled(static_cast<double>(x), decimals, out) ? out : std::to_string(x);
}

}  // namespace flopscope
