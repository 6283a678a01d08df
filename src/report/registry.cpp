// One door for every report: the formats by name, each a function of the analysis alone. The CLI, the
// API and (later) the Python package all render through here; no reporter sees a device or a model.
#include <functional>
#include <map>

#include "flopscope/errors.h"
#include "flopscope/report.h"
#include "report/chrome_trace.h"
#include "report/counter_table.h"
#include "report/gpu_table.h"
#include "report/roofline_svg.h"

namespace flopscope {
namespace {

// On a terminal the text formats are laid out as the seed's print() calls lay them out: mmengine's out_table
// and out_arch start with a newline and print() ends each with another. Files get the bare text.
std::string framed(bool terminal, const std::string& text) { return terminal ? "\n" + text + "\n" : text; }

std::string counters(const Analysis& a, const RenderOptions& o) {
  const auto& c = a.counters;
  std::string text = o.terminal ? "\n" : "";
  if (c.ran) return text + report::counter_table(c, o.max_depth);
  return text + "Counter pass skipped: " +
         (c.skipped_reason.empty() ? std::string("not asked for (--counters, on a CUDA device)") : c.skipped_reason) +
         "\n";
}

std::string gpu(const Analysis& a, const RenderOptions& o) {
  const std::string lead = o.terminal ? "\n" : "";
  if (!a.gpu.ran && a.gpu.skipped_reason.empty())
    return lead + "GPU timing skipped: the model ran on " + a.run.device + "; the timing pass needs --device cuda\n";
  return lead + report::render_gpu_report(a.gpu, o.max_depth, &a.tree);
}

using Renderer = std::function<std::string(const Analysis&, const RenderOptions&)>;

const std::vector<std::pair<std::string, Renderer>>& renderers() {
  static const std::vector<std::pair<std::string, Renderer>> kRenderers = {
      {"table", [](const Analysis& a, const RenderOptions& o) { return framed(o.terminal, render_table(a, o.max_depth)); }},
      {"arch", [](const Analysis& a, const RenderOptions& o) { return framed(o.terminal, render_arch(a)) + (o.terminal ? "" : "\n"); }},
      {"summary", [](const Analysis& a, const RenderOptions&) { return render_summary(a); }},
      {"operators", [](const Analysis& a, const RenderOptions&) { return render_operators(a); }},
      {"gpu", gpu},
      {"counters", counters},
      {"json", [](const Analysis& a, const RenderOptions& o) { return render_json(a, o.warnings); }},
      {"csv", [](const Analysis& a, const RenderOptions&) { return render_csv(a); }},
  };
  return kRenderers;
}

}  // namespace

const std::vector<std::string>& report_formats() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const auto& [name, render] : renderers()) names.push_back(name);
    return names;
  }();
  return kNames;
}

std::string render_report(const std::string& format, const Analysis& analysis, const RenderOptions& options) {
  if (options.max_depth < 0) throw InvalidInput("max_depth must be 0 or more (levels below the root)");
  for (const auto& [name, render] : renderers())
    if (name == format) return render(analysis, options);
  std::string known;
  for (const auto& name : report_formats()) known += (known.empty() ? "" : ", ") + name;
  throw InvalidInput("unknown format '" + format + "' (use " + known + ")");
}

std::string render_roofline(const Analysis& analysis, int max_depth) {
  if (max_depth < 0) throw InvalidInput("max_depth must be 0 or more (levels below the root)");
  return report::roofline_svg(report::roofline_chart(analysis.counters, max_depth));
}

std::string render_chrome_trace(const Analysis& analysis) {
  if (!analysis.timeline) return {};
  const gpu::KernelTimeline& t = *analysis.timeline;
  return report::render_chrome_trace(t.trace, t.recording, t.join);
}

}  // namespace flopscope
