// Machine-readable comparisons: JSON for scripts, JUnit XML so CI systems show modules as test results. Module
// names come from the reports, which anyone can write: in XML they are made printable first, since XML 1.0 has
// no way to write NUL, ESC and the other control characters, escaped or not.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>

#include "compare/number_text.h"
#include "flopscope/compare.h"
#include "text/printable.h"
#include "report/xml_escape.h"

namespace flopscope {
namespace {

using report::xml_escape;

// Counts (parameters, MACs, activations, measured FLOPs and bytes) are whole numbers and are written as
// integers; timings and throughputs as reals. A count too large for int64 stays a real rather than wrap.
nlohmann::ordered_json number(const std::string& metric, double v) {
  const bool real = metric == "gpu_ms" || metric == "tflops_per_s";
  if (!real && v == std::floor(v) && std::fabs(v) < 9.2e18) return static_cast<std::int64_t>(v);
  return v;
}

}  // namespace

std::string render_comparison_json(const Comparison& c) {
  nlohmann::ordered_json modules = nlohmann::ordered_json::array();
  for (const auto& d : c.modules) {
    nlohmann::ordered_json metrics = nlohmann::ordered_json::object();
    for (const auto& m : d.metrics)
      metrics[m.metric] = {{"base", number(m.metric, m.base)}, {"new", number(m.metric, m.current)}, {"outside_tolerance", m.outside_tolerance},
                           {"regression", m.regression}};
    modules.push_back({{"path", d.path}, {"status", d.status}, {"regression", d.regression}, {"metrics", metrics}});
  }
  nlohmann::ordered_json out{{"regressions", c.regressions},
                             {"outside_tolerance", c.changed},
                             {"inputs_differ", c.inputs_differ},
                             {"summary", c.summary},
                             {"modules", modules}};
  // ensure_ascii: module names from a report leave as \u escapes, no DEL or C1 control reaching a terminal.
  return out.dump(2, ' ', /*ensure_ascii=*/true) + "\n";
}

std::string render_comparison_junit(const Comparison& c) {
  std::string cases;
  for (const auto& d : c.modules) {
    cases += "    <testcase classname=\"flopscope.compare\" name=\"" + xml_escape(text::printable(module_label(d.path))) + "\"";
    if (!d.regression) {
      cases += "/>\n";
      continue;
    }
    std::string message;
    for (const auto& m : d.metrics)
      if (m.regression)
        message += (message.empty() ? "" : "; ") + m.metric + " " + compare_detail::number_text(m.base) + " -> " +
                   compare_detail::number_text(m.current);
    cases += ">\n      <failure message=\"" + xml_escape(message) + "\" type=\"regression\"/>\n    </testcase>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"flopscope compare\" tests=\"" +
         std::to_string(c.modules.size()) + "\" failures=\"" + std::to_string(c.regressions) + "\">\n" + cases +
         "  </testsuite>\n</testsuites>\n";
}

}  // namespace flopscope
