#pragma once
/// The report stage: mmengine's size formatter, per-module table and architecture string.
#include <string>
#include <vector>

#include "flopscope/analysis.h"
#include "flopscope/model_messages.h"
#include "flopscope/table_console.h"

namespace flopscope {

/// mmengine's `_format_size`: K/M/G/T/P above 1e2/1e5/1e8/1e11/1e14 (strictly greater), `decimals`
/// digits after the point with trailing zeros and point stripped; values up to 100 printed as they are.
/// format_size(440) == "0.44K", format_size(100000) == "100K", format_size(100001) == "0.1M".
std::string format_size(double x, int decimals = 3);
std::string format_size(Count x, int decimals = 3);

/// mmengine's `complexity_stats_table` (rich ASCII2 box, `max_depth` levels below the root), each line
/// ending in '\n', for the console rich would print it into (narrowed to its width, the header bold where it renders
/// styles); by default no console: as wide as its cells, unstyled.
std::string render_table(const Analysis& analysis, int max_depth = 3, bool show_param_shapes = true,
                         const TableConsole& console = {});

/// mmengine's `complexity_stats_str`: the module tree printed like `nn.Module.__repr__` with
/// `#params, #flops, #acts` lines (2 decimals). No trailing newline.
std::string render_arch(const Analysis& analysis);

/// The JSON report (schema: docs/report.schema.json, version kReportSchemaVersion), pretty-printed, ending
/// in a newline. Byte-identical for the same model and inputs.
std::string render_json(const Analysis& analysis, const std::vector<std::string>& warnings);
constexpr int kReportSchemaVersion = 1;

/// One CSV row per module (columns: module,type,depth,parameters,macs,flops,activations,called), header first.
/// The root's module cell is empty; `flops` is 2 x `macs`.
std::string render_csv(const Analysis& analysis);

/// The total of `#flops` as mmengine prints it: format_size(total, 3), as a float ("72.0") when mmengine's
/// total is a Python float (an einsum went through numpy).
std::string format_total_flops(const Analysis& analysis);

/// The per-operator view (mmengine's by_operator): one row per op key with its MACs, share of the total and
/// activations, then the ops without a formula and their call counts.
std::string render_operators(const Analysis& analysis);

/// The seed's summary lines: "Model Flops:4.145G\nModel Parameters:25.557M\n".
std::string render_summary(const Analysis& analysis);

/// How render_report lays a report out.
struct RenderOptions {
  int max_depth = 3;                  ///< table levels below the root
  bool terminal = false;              ///< for stdout: text formats framed by blank lines as the seed prints them
  std::vector<std::string> warnings;  ///< for the JSON report's "warnings" (ComplexityInfo::warnings)
};

/// The report formats by name, in the order --help lists them: table, arch, summary, operators, gpu, counters,
/// json, csv.
const std::vector<std::string>& report_formats();

/// The report `format` of an analysis; throws InvalidInput naming the formats for an unknown one.
std::string render_report(const std::string& format, const Analysis& analysis, const RenderOptions& options = {});

/// One analysis per value of one dimension of an exported program (flopscope analyze model.pt2 --dim s=1,2).
struct Sweep {
  std::string axis;                   ///< the dimension as the user named it
  std::vector<std::int64_t> values;
  std::vector<Analysis> analyses;     ///< one per value, same model
};

/// "sweep", "csv", "json".
const std::vector<std::string>& sweep_formats();

/// A sweep as a table of per-module FLOPs and activations against the values ("sweep"), a CSV with one row per
/// module and value, or JSON with one series per module (schema: docs/report-schema.md); throws InvalidInput for
/// another format.
std::string render_sweep(const std::string& format, const Sweep& sweep, int max_depth = 3);

/// The roofline chart (SVG) of the counter pass's kernels, modules down to `max_depth`.
std::string render_roofline(const Analysis& analysis, int max_depth = 3);

/// The timing pass as a Chrome trace / Perfetto JSON (src/report/chrome_trace.h), from analysis.timeline;
/// "" when there is none (no GPU pass ran, or GpuOptions::chrome_trace was not set).
std::string render_chrome_trace(const Analysis& analysis);

/// What the model said, one safe line per message: `the model warned (3 times): "..."`, `while loading, the
/// model printed: "..."`, quoted so that nothing in it starts a line or moves the cursor.
std::vector<std::string> model_output_lines(const ModelMessages& said);

/// The warnings mmengine logs after an analysis, in its order: unsupported ops of the flop counter,
/// uncalled modules, then the same for the activation counter.
std::vector<std::string> analysis_warnings(const Analysis& analysis);

}  // namespace flopscope
