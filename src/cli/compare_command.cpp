#include "cli/compare_command.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/output_files.h"
#include "flopscope/compare.h"
#include "flopscope/errors.h"

namespace flopscope::cli {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidInput("cannot read report '" + path + "': " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

double parse_number(const std::string& text, const std::string& option) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  // NaN passes no comparison, so a NaN tolerance would let every change through: refused with the negatives.
  if (text.empty() || *end != '\0' || errno != 0 || !(v >= 0))
    throw InvalidInput("bad " + option + " value '" + text + "': expected a non-negative number");
  return v;
}

// "0.05" sets every metric; "macs=0.05" one metric.
void apply(const std::vector<std::string>& specs, const std::string& option, CompareOptions& o, double Tolerance::*field) {
  for (const auto& spec : specs) {
    auto eq = spec.find('=');
    if (eq == std::string::npos) {
      o.fallback.*field = parse_number(spec, option);
      const auto& known = compared_metrics();
      const auto& step = step_metrics();
      for (auto& kv : o.tolerances)  // the analytic metrics; measured ones keep what was given for them
        if (std::find(known.begin(), known.end(), kv.first) != known.end() ||
            std::find(step.begin(), step.end(), kv.first) != step.end())
          kv.second.*field = o.fallback.*field;
      continue;
    }
    std::string metric = spec.substr(0, eq);
    const auto& known = compared_metrics();
    const auto& gpu = gpu_metrics();
    const auto& counters = counter_metrics();
    const auto& step = step_metrics();
    if (std::find(known.begin(), known.end(), metric) == known.end() &&
        std::find(step.begin(), step.end(), metric) == step.end() &&
        std::find(gpu.begin(), gpu.end(), metric) == gpu.end() &&
        std::find(counters.begin(), counters.end(), metric) == counters.end())
      throw InvalidInput("unknown metric '" + metric + "' in " + option +
                         " (use parameters, macs, activations, backward_macs, optimizer_macs, saved_activation_bytes, "
                         "gpu_ms, tflops_per_s, measured_flops or dram_bytes)");
    auto [it, inserted] = o.tolerances.emplace(metric, o.fallback);
    it->second.*field = parse_number(spec.substr(eq + 1), option);
  }
}

}  // namespace

int run_compare(const CompareArgs& args) {
  CompareOptions options;
  options.max_depth = args.max_depth;
  options.decreases_fail = args.decreases_fail;
  options.allow_different_inputs = args.allow_different_inputs;
  apply(args.rtol, "--rtol", options, &Tolerance::rel);
  apply(args.atol, "--atol", options, &Tolerance::abs);

  std::vector<std::string> formats = args.formats.empty() ? std::vector<std::string>{"table"} : args.formats;
  for (const auto& f : formats)
    if (f != "table" && f != "json" && f != "junit")
      throw InvalidInput("unknown compare format '" + f + "' (use table, json or junit)");
  if (!args.outputs.empty() && args.outputs.size() != formats.size())
    throw InvalidInput("give one --output per --format");
  OutputFiles files({args.base, args.current});  // `compare A B -o A` would empty A before reading it
  std::vector<std::ostream*> streams;
  for (const auto& path : args.outputs) streams.push_back(&files.open(path, "--output"));

  Comparison c = compare_reports(read_file(args.base), read_file(args.current), options, args.base, args.current);
  for (std::size_t i = 0; i < formats.size(); ++i) {
    std::ostream& out = streams.empty() ? std::cout : *streams[i];
    if (formats[i] == "table") out << render_comparison_table(c);
    if (formats[i] == "json") out << render_comparison_json(c);
    if (formats[i] == "junit") out << render_comparison_junit(c);
  }
  files.commit();
  if (!streams.empty()) std::cerr << "compare: " << c.summary << "\n";
  return c.regressions > 0 ? 1 : 0;
}

}  // namespace flopscope::cli
