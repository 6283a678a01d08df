#pragma once
/// `flopscope compare`: per-module differences between two JSON reports, with tolerances, for regression
/// gates in CI.
#include <map>
#include <string>
#include <vector>

namespace flopscope {

/// A change is within tolerance when |new - base| <= max(abs, rel * |base|).
struct Tolerance {
  double rel = 0;
  double abs = 0;
};

struct CompareOptions {
  /// Per metric ("parameters", "macs", "activations"); metrics not listed use `fallback`. The GPU metrics
  /// ("gpu_ms": median kernel time of the module per forward, "tflops_per_s": its achieved throughput, a fall
  /// of which is the regression) are compared only when listed here.
  std::map<std::string, Tolerance> tolerances;
  Tolerance fallback;
  int max_depth = -1;             ///< compare modules down to this depth (root 0); -1 = all
  bool decreases_fail = false;    ///< also fail on changes for the better beyond tolerance (default: only
                                  ///< increases, and falls of tflops_per_s)
  /// Compare reports made at different inputs (sequence 128 vs 256, batch 1 vs 2). Off: such reports are
  /// refused, since every count changes with the input; on: they are compared and the summary says the inputs
  /// differ. The op sets must still be the same.
  bool allow_different_inputs = false;
};

/// How compare's outputs name the root module: "." — a module path never starts with a dot, so no submodule
/// (not even one called "model", as in every *ForCausalLM) can be named so.
inline constexpr const char* kRootLabel = ".";

/// The module's name in compare's outputs: its path, or kRootLabel for the root.
inline std::string module_label(const std::string& path) { return path.empty() ? kRootLabel : path; }

struct MetricDiff {
  std::string metric;
  double base = 0, current = 0;
  bool outside_tolerance = false;
  bool regression = false;        ///< outside tolerance in the failing direction
};

struct ModuleDiff {
  std::string path;               ///< "" is the root
  std::string status;             ///< "both", "added" (only in the new report), "removed" (only in the base)
  std::vector<MetricDiff> metrics;
  bool regression = false;
};

struct Comparison {
  std::vector<ModuleDiff> modules;  ///< in the new report's order, then modules only in the base
  int regressions = 0;              ///< modules with a regression
  int changed = 0;                  ///< modules with any metric outside tolerance
  std::string summary;              ///< one line
  bool inputs_differ = false;       ///< the reports were made at different inputs (allow_different_inputs)
};

/// The analytic metrics compare reads from each module of a report.
const std::vector<std::string>& compared_metrics();

/// A training step's metrics, compared (like the analytic ones) when both reports are steps: "backward_macs",
/// "optimizer_macs", and "saved_activation_bytes" when both reports measured it (it is null under a profiler).
const std::vector<std::string>& step_metrics();

/// The timing pass's metrics, compared when a tolerance names them: "gpu_ms", "tflops_per_s".
const std::vector<std::string>& gpu_metrics();

/// The counter pass's metrics, compared when a tolerance names them: "measured_flops", "dram_bytes".
const std::vector<std::string>& counter_metrics();

/// Compares two JSON reports' texts; throws InvalidInput for malformed or mismatched reports (not flopscope
/// reports, other schema versions, different op sets or inputs). `base_name`/`new_name` name them in errors.
Comparison compare_reports(const std::string& base_json, const std::string& new_json, const CompareOptions& options,
                           const std::string& base_name = "BASE", const std::string& new_name = "NEW");

std::string render_comparison_table(const Comparison& comparison);  ///< changed modules only, then the summary
std::string render_comparison_json(const Comparison& comparison);
std::string render_comparison_junit(const Comparison& comparison);  ///< one testcase per compared module

}  // namespace flopscope
