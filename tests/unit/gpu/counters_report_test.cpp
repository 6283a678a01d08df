// The counter report's text table, JSON and CSV, and the roofline SVG: points are read back from the SVG
// text and checked against the log-log arithmetic written out here.
#include <gtest/gtest.h>

#include <cmath>
#include <regex>
#include <sstream>

#include "report/counter_table.h"
#include "report/roofline_svg.h"

using namespace flopscope;
using namespace flopscope::gpu;

namespace {

CounterReport sample_report() {
  CounterReport r;
  r.ran = true;
  r.chip = "GH100";
  r.configs = {{"dram__bytes_read.sum"}, {"smsp__sass_thread_inst_executed_op_ffma_pred_on.sum"}};
  r.passes = {1, 1};
  r.peaks.source = "test";
  r.peaks.flops_per_s = {{"fp32", 67e12}, {"bf16_tc", 989.5e12}};
  r.peaks.dram_bytes_per_s = 3.35e12;
  MeasuredCost fc;
  fc.kernels = 1;
  fc.flops = 3e9;
  fc.flops_by_class = {{"bf16_tc", 3e9}};
  fc.analytic_flops = 2e9;
  fc.ratio = 1.5;
  fc.dram_read_bytes = 1e6;
  fc.intensity = 3000;
  fc.bound = "compute";
  fc.achieved_flops_per_s = 5e14;
  fc.bound_share = 5e14 / 989.5e12;
  r.by_module["fc"] = fc;
  MeasuredCost root = fc;
  root.kernels = 2;
  r.by_module[""] = root;
  MeasuredCost deep = fc;
  r.by_module["a.b.c.d"] = deep;  // depth 4: left out at max_depth 3
  r.by_op["linear"] = fc;
  r.total = root;
  r.outliers.push_back({"op", "linear", 1.5, "padded tiles: ..."});
  r.join.ranges = r.join.kernels = r.join.joined = 2;
  return r;
}

double attr(const std::string& svg, const std::string& name) {
  std::smatch m;
  std::regex re(name + "=\"([^\"]+)\"");
  EXPECT_TRUE(std::regex_search(svg, m, re)) << name;
  return std::stod(m[1]);
}

struct Circle {
  double cx, cy;
  std::string label;
};

std::vector<Circle> circles(const std::string& svg) {
  std::vector<Circle> out;
  std::regex re("<circle cx=\"([-0-9.]+)\" cy=\"([-0-9.]+)\"[^>]*data-label=\"([^\"]*)\"");
  for (std::sregex_iterator it(svg.begin(), svg.end(), re), end; it != end; ++it)
    out.push_back({std::stod((*it)[1]), std::stod((*it)[2]), (*it)[3]});
  return out;
}

}  // namespace

TEST(CounterTable, TextHasTheCounterColumnsAndOutliers) {
  std::string t = report::counter_table(sample_report());
  EXPECT_NE(t.find("hardware counters on GH100"), std::string::npos) << t;
  EXPECT_NE(t.find("meas/anal"), std::string::npos);
  EXPECT_NE(t.find("1.500"), std::string::npos);   // the ratio
  EXPECT_NE(t.find("3G"), std::string::npos);      // measured FLOPs
  EXPECT_NE(t.find("50.5%"), std::string::npos);   // 5e14 / 989.5e12
  EXPECT_NE(t.find("op linear  ratio 1.500: padded tiles"), std::string::npos) << t;
  EXPECT_EQ(t.find("a.b.c.d"), std::string::npos);
}

TEST(CounterTable, SkippedReportSaysWhy) {
  CounterReport r;
  r.skipped_reason = "hardware counters unavailable: no CUDA device (no CUDA driver)";
  EXPECT_EQ(report::counter_table(r), "hardware counters: not collected: " + r.skipped_reason + "\n");
  auto j = report::counter_json(r);
  EXPECT_EQ(j["ran"], false);
  EXPECT_EQ(j["skipped_reason"], r.skipped_reason);
}

TEST(CounterTable, JsonAndCsvCarryTheNumbers) {
  auto j = report::counter_json(sample_report());
  EXPECT_EQ(j["chip"], "GH100");
  EXPECT_DOUBLE_EQ(j["by_module"]["fc"]["measured_flops"].get<double>(), 3e9);
  EXPECT_DOUBLE_EQ(j["by_module"]["fc"]["ratio"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(j["by_op"]["linear"]["measured_flops_by_class"]["bf16_tc"].get<double>(), 3e9);
  EXPECT_EQ(j["by_module"][""]["bound"], "compute");
  EXPECT_EQ(j["outliers"][0]["name"], "linear");
  EXPECT_EQ(j["passes"], nlohmann::json({1, 1}));
  std::string csv = report::counter_csv(sample_report());
  std::istringstream in(csv);
  std::string header, line;
  std::getline(in, header);
  EXPECT_EQ(header.substr(0, 43), "scope,name,kernels,measured_flops,analytic_");
  bool found = false;
  while (std::getline(in, line))
    if (line.rfind("module,fc,", 0) == 0) {
      found = true;
      EXPECT_NE(line.find(",3000000000,2000000000,1.5,1000000,0,3000,compute,"), std::string::npos) << line;
    }
  EXPECT_TRUE(found) << csv;
}

TEST(RooflineSvg, PointsSitWhereTheLogArithmeticSays) {
  report::RooflineChart chart;
  chart.title = "t";
  chart.dram_bytes_per_s = 3.35e12;
  chart.compute_roofs = {{"fp32", 67e12}, {"bf16_tc", 989.5e12}};
  // On the memory roof: intensity 1 FLOP/B at exactly 1 * 3.35 TB/s.
  chart.points = {{"layer1", 1.0, 3.35e12, "memory"}, {"fc", 1365.33, 6.87e14, "compute"}};
  std::string svg = report::roofline_svg(chart);
  ASSERT_EQ(svg.rfind("<svg ", 0), 0u);

  // Ranges: points span x 1..1365 and y 3.35e12..6.87e14; each roof adds its ridge / 10 and * 10 (fp32 ridge
  // 67/3.35 = 20 -> 2..200; bf16 ridge 295.4 -> 29.5..2954) and peak / 10 .. peak. So x covers 1..2954:
  // decades 0..4; y covers 3.35e12 .. 9.895e14: decades 12..15.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex("data-x-decades=\"(-?\\d+) (-?\\d+)\"")));
  EXPECT_EQ(m[1], "0");
  EXPECT_EQ(m[2], "4");
  ASSERT_TRUE(std::regex_search(svg, m, std::regex("data-y-decades=\"(-?\\d+) (-?\\d+)\"")));
  EXPECT_EQ(m[1], "12");
  EXPECT_EQ(m[2], "15");
  const double left = attr(svg, "data-left"), right = attr(svg, "data-right");
  const double top = attr(svg, "data-top"), bottom = attr(svg, "data-bottom");
  auto px = [&](double v) { return left + (std::log10(v) - 0) / (4 - 0) * (right - left); };
  auto py = [&](double v) { return bottom - (std::log10(v) - 12) / (15 - 12) * (bottom - top); };

  auto points = circles(svg);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].label, "layer1");
  EXPECT_NEAR(points[0].cx, px(1.0), 0.01);
  EXPECT_NEAR(points[0].cy, py(3.35e12), 0.01);
  EXPECT_EQ(points[1].label, "fc");
  EXPECT_NEAR(points[1].cx, px(1365.33), 0.01);
  EXPECT_NEAR(points[1].cy, py(6.87e14), 0.01);

  // layer1 lies on the memory roof: collinear with the roof's two ends.
  std::smatch roof;
  ASSERT_TRUE(std::regex_search(svg, roof, std::regex("class=\"memory-roof\"[^>]*x1=\"([-0-9.]+)\" y1=\"([-0-9.]+)\" "
                                                      "x2=\"([-0-9.]+)\" y2=\"([-0-9.]+)\"")));
  double x1 = std::stod(roof[1]), y1 = std::stod(roof[2]), x2 = std::stod(roof[3]), y2 = std::stod(roof[4]);
  double slope = (y2 - y1) / (x2 - x1);
  EXPECT_NEAR(points[0].cy, y1 + slope * (points[0].cx - x1), 0.05);
  // The memory roof ends at the highest ridge, where the bf16 roof begins: x = px(989.5e12 / 3.35e12).
  EXPECT_NEAR(x2, px(989.5e12 / 3.35e12), 0.01);
  EXPECT_NEAR(y2, py(989.5e12), 0.01);
  // Labels are escaped XML.
  chart.points = {{"a<b>&\"c\"", 1.0, 1e13, ""}};
  EXPECT_NE(report::roofline_svg(chart).find("a&lt;b&gt;&amp;&quot;c&quot;"), std::string::npos);
}

TEST(RooflineSvg, ChartFromAReportKeepsModulesWithTimeDownToTheDepth) {
  auto r = sample_report();
  MeasuredCost untimed = r.by_module["fc"];
  untimed.achieved_flops_per_s = 0;
  r.by_module["head"] = untimed;
  auto chart = report::roofline_chart(r, 3);
  std::vector<std::string> labels;
  for (const auto& p : chart.points) labels.push_back(p.label);
  EXPECT_EQ(labels, (std::vector<std::string>{"model", "fc"}));
  EXPECT_EQ(chart.compute_roofs.size(), 1u);  // only bf16 was used
  EXPECT_DOUBLE_EQ(chart.compute_roofs.at("bf16_tc"), 989.5e12);
}
