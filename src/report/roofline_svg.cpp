#include "report/roofline_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include "flopscope/si_format.h"
#include "report/xml_escape.h"

namespace flopscope::report {
namespace {

using L = RooflineLayout;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

struct Axis {
  int lo = 0, hi = 1;  // decades
  double p0 = 0, p1 = 1;
  double px(double v) const { return p0 + (std::log10(v) - lo) / (hi - lo) * (p1 - p0); }
};

Axis decades(double min, double max, double p0, double p1) {
  Axis a;
  a.lo = static_cast<int>(std::floor(std::log10(min)));
  a.hi = static_cast<int>(std::ceil(std::log10(max)));
  if (a.hi <= a.lo) a.hi = a.lo + 1;
  a.p0 = p0;
  a.p1 = p1;
  return a;
}

}  // namespace

RooflineChart roofline_chart(const gpu::CounterReport& report, int max_depth) {
  RooflineChart chart;
  chart.title = "Roofline" + (report.chip.empty() ? std::string() : " (" + report.chip + ")") +
                ": achieved FLOP/s vs DRAM arithmetic intensity, one point per module";
  chart.dram_bytes_per_s = report.peaks.dram_bytes_per_s;
  for (const auto& [cls, f] : report.total.flops_by_class) {
    auto it = report.peaks.flops_per_s.find(cls);
    if (f > 0 && it != report.peaks.flops_per_s.end()) chart.compute_roofs[cls] = it->second;
  }
  if (chart.compute_roofs.empty()) chart.compute_roofs = report.peaks.flops_per_s;
  for (const auto& [path, c] : report.by_module) {
    int depth = path.empty() ? 0 : 1 + static_cast<int>(std::count(path.begin(), path.end(), '.'));
    if (depth > max_depth || c.intensity <= 0 || c.achieved_flops_per_s <= 0) continue;
    chart.points.push_back({path.empty() ? "model" : path, c.intensity, c.achieved_flops_per_s, c.bound});
  }
  return chart;
}

std::string roofline_svg(const RooflineChart& chart) {
  // Ranges: every point, and each roof's ridge with a decade either side.
  double xmin = 1e300, xmax = 0, ymin = 1e300, ymax = 0;
  auto cover = [&](double x, double y) {
    if (x > 0) xmin = std::min(xmin, x), xmax = std::max(xmax, x);
    if (y > 0) ymin = std::min(ymin, y), ymax = std::max(ymax, y);
  };
  const double bw = chart.dram_bytes_per_s;
  for (const auto& [cls, peak] : chart.compute_roofs)
    if (bw > 0 && peak > 0) cover(peak / bw / 10, peak / 10), cover(peak / bw * 10, peak);
  for (const auto& p : chart.points) cover(p.intensity, p.flops_per_s);
  if (xmax == 0) xmin = 0.1, xmax = 1000;
  if (ymax == 0) ymin = 1e9, ymax = 1e15;
  const Axis x = decades(xmin, xmax, L::left, L::right);
  const Axis y = decades(ymin, ymax, L::bottom, L::top);

  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << L::width << "\" height=\"" << L::height
    << "\" viewBox=\"0 0 " << L::width << " " << L::height << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  s << "<title>" << xml_escape(chart.title) << "</title>\n";
  s << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s << "<text x=\"" << L::width / 2 << "\" y=\"25\" text-anchor=\"middle\" font-size=\"13\">" << xml_escape(chart.title)
    << "</text>\n";
  s << "<g id=\"plot\" data-left=\"" << L::left << "\" data-right=\"" << L::right << "\" data-top=\"" << L::top
    << "\" data-bottom=\"" << L::bottom << "\" data-x-decades=\"" << x.lo << " " << x.hi << "\" data-y-decades=\""
    << y.lo << " " << y.hi << "\">\n";
  s << "<rect x=\"" << L::left << "\" y=\"" << L::top << "\" width=\"" << L::right - L::left << "\" height=\""
    << L::bottom - L::top << "\" fill=\"none\" stroke=\"black\"/>\n";
  for (int d = x.lo; d <= x.hi; ++d) {
    double px = x.px(std::pow(10.0, d));
    s << "<line class=\"grid\" x1=\"" << num(px) << "\" y1=\"" << L::top << "\" x2=\"" << num(px) << "\" y2=\""
      << L::bottom << "\" stroke=\"#ddd\"/><text x=\"" << num(px) << "\" y=\"" << L::bottom + 15
      << "\" text-anchor=\"middle\">1e" << d << "</text>\n";
  }
  for (int d = y.lo; d <= y.hi; ++d) {
    double py = y.px(std::pow(10.0, d));
    s << "<line class=\"grid\" x1=\"" << L::left << "\" y1=\"" << num(py) << "\" x2=\"" << L::right << "\" y2=\""
      << num(py) << "\" stroke=\"#ddd\"/><text x=\"" << L::left - 5 << "\" y=\"" << num(py + 4)
      << "\" text-anchor=\"end\">1e" << d << "</text>\n";
  }
  s << "<text x=\"" << (L::left + L::right) / 2 << "\" y=\"" << L::bottom + 35
    << "\" text-anchor=\"middle\">arithmetic intensity (FLOP per DRAM byte)</text>\n";
  s << "<text transform=\"translate(20," << (L::top + L::bottom) / 2
    << ") rotate(-90)\" text-anchor=\"middle\">achieved FLOP/s (2 per multiply-add)</text>\n";

  const double xlo = std::pow(10.0, x.lo), xhi = std::pow(10.0, x.hi);
  if (bw > 0) {
    // The memory roof up to the highest compute roof (or across the plot when there is none).
    double top_peak = 0;
    for (const auto& [cls, peak] : chart.compute_roofs) top_peak = std::max(top_peak, peak);
    double x_end = top_peak > 0 ? std::min(top_peak / bw, xhi) : xhi;
    double x_start = std::max(xlo, std::pow(10.0, y.lo) / bw);
    s << "<line class=\"memory-roof\" data-bytes-per-s=\"" << bw << "\" x1=\"" << num(x.px(x_start)) << "\" y1=\""
      << num(y.px(x_start * bw)) << "\" x2=\"" << num(x.px(x_end)) << "\" y2=\"" << num(y.px(x_end * bw))
      << "\" stroke=\"#1f77b4\" stroke-width=\"2\"/>\n";
    s << "<text x=\"" << num(x.px(x_start) + 5) << "\" y=\"" << num(y.px(x_start * bw) - 6)
      << "\" fill=\"#1f77b4\">DRAM " << format_si(bw, 4, " B/s") << "</text>\n";
  }
  for (const auto& [cls, peak] : chart.compute_roofs) {
    if (peak <= 0) continue;
    double ridge = bw > 0 ? peak / bw : xlo;
    s << "<line class=\"compute-roof\" data-class=\"" << xml_escape(cls) << "\" data-flops-per-s=\"" << peak
      << "\" x1=\"" << num(x.px(std::max(ridge, xlo))) << "\" y1=\"" << num(y.px(peak)) << "\" x2=\""
      << num(x.px(xhi)) << "\" y2=\"" << num(y.px(peak)) << "\" stroke=\"#d62728\" stroke-width=\"2\"/>\n";
    s << "<text x=\"" << num(L::right - 5) << "\" y=\"" << num(y.px(peak) - 4) << "\" text-anchor=\"end\" fill=\"#d62728\">"
      << xml_escape(cls) << " " << format_si(peak, 4, " FLOP/s") << "</text>\n";
  }
  for (const auto& p : chart.points) {
    if (p.intensity <= 0 || p.flops_per_s <= 0) continue;
    double cx = x.px(p.intensity), cy = y.px(p.flops_per_s);
    const char* colour = p.bound == "memory" ? "#1f77b4" : p.bound == "compute" ? "#d62728" : "#555";
    s << "<g class=\"point\"><circle cx=\"" << num(cx) << "\" cy=\"" << num(cy) << "\" r=\"4\" fill=\"" << colour
      << "\" data-label=\"" << xml_escape(p.label) << "\" data-intensity=\"" << p.intensity
      << "\" data-flops-per-s=\"" << p.flops_per_s << "\"><title>" << xml_escape(p.label) << ": "
      << format_si(p.intensity, 4, " FLOP/B") << ", " << format_si(p.flops_per_s, 4, " FLOP/s") << "</title></circle><text x=\""
      << num(cx + 6) << "\" y=\"" << num(cy - 6) << "\">" << xml_escape(p.label) << "</text></g>\n";
  }
  s << "</g>\n</svg>\n";
  return s.str();
}

}  // namespace flopscope::report
