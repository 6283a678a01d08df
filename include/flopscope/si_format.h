#pragma once
/// Numbers with SI prefixes for the GPU reports (counter table, roofline labels, validate-ops): "3.12G",
/// "820 GB/s". The analytic reports use mmengine's format_size (flopscope/report.h) instead, as mmengine does.
#include <string>

namespace flopscope {

/// `value` scaled by 1000s to K, M, G, T, P or E (until it is below 1000 in magnitude), printed with
/// `significant` significant digits (printf's %g: no trailing zeros), then the prefix and `unit`.
/// format_si(3.1234e9, 3) == "3.12G"; format_si(8.2e11, 3, " B/s") == "820 GB/s" (a unit with a leading
/// space puts the space before the prefix).
std::string format_si(double value, int significant, const std::string& unit = "");

/// `value` with exactly `decimals` digits after the point (printf's %.*f): fixed_point(2.0, 3) == "2.000".
std::string fixed_point(double value, int decimals);

}  // namespace flopscope
