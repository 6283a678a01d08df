#pragma once
// A roofline chart as a self-contained SVG: log-log axes (FLOP per DRAM byte, FLOP/s), the memory roof, one
// compute roof per precision class, and one labelled point per module at (measured intensity, achieved
// FLOP/s). The plot area and the decades it spans are written on the <g id="plot"> element as data-*
// attributes, so a reader (and the tests) can turn any point back into numbers.
#include <map>
#include <string>
#include <vector>

#include "flopscope/counters.h"

namespace flopscope::report {

struct RooflinePoint {
  std::string label;
  double intensity = 0;     ///< FLOP per DRAM byte
  double flops_per_s = 0;   ///< achieved
  std::string bound;        ///< "memory" / "compute" / ""
};

struct RooflineChart {
  std::string title;
  double dram_bytes_per_s = 0;
  std::map<std::string, double> compute_roofs;  ///< precision class -> FLOP/s
  std::vector<RooflinePoint> points;
};

/// Plot geometry (pixels) shared by the writer and its readers.
struct RooflineLayout {
  static constexpr double width = 900, height = 600;
  static constexpr double left = 90, right = 860, top = 50, bottom = 530;  ///< the plot area
};

/// The chart of a counter report: one point per module down to `max_depth` (root = depth 0) that has
/// measured FLOPs, DRAM bytes and a kernel time; roofs for the precision classes the report's kernels used.
RooflineChart roofline_chart(const gpu::CounterReport& report, int max_depth = 3);

/// The SVG text. Axes span whole decades covering every point and roof corner.
std::string roofline_svg(const RooflineChart& chart);

}  // namespace flopscope::report
