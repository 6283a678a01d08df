// Reading two reports and diffing them module by module.
#include "flopscope/compare.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <unordered_map>

#include "flopscope/errors.h"
#include "flopscope/report.h"
#include "compare/number_text.h"
#include "report/ascii_table.h"
#include "text/printable.h"

namespace flopscope {
namespace {

using nlohmann::json;

struct Module {
  std::string path;
  int depth = 0;
  std::map<std::string, double> metrics;
};

struct Report {
  std::vector<Module> modules;
  std::string op_set;
  json inputs;
  bool has_gpu = false;       // the timing pass ran: modules carry gpu_ms and tflops_per_s
  bool has_counters = false;  // the counter pass ran: modules carry measured_flops and dram_bytes
  bool train_step = false;    // a training step: modules carry backward_macs, optimizer_macs and saved bytes
  bool saved_measured = false;  // a step whose saved activations were measured (not null)
};

// The counter pass's metrics of every module: path -> {measured_flops, dram_bytes (read + written)}.
std::unordered_map<std::string, std::map<std::string, double>> read_counter_metrics(const json& counters) {
  std::unordered_map<std::string, std::map<std::string, double>> out;
  const json by_module = counters.value("by_module", json::object());  // items() must not outlive it
  for (const auto& [path, c] : by_module.items()) {
    auto& metrics = out[path];
    metrics["measured_flops"] = c.at("measured_flops").get<double>();
    metrics["dram_bytes"] = c.at("dram_read_bytes").get<double>() + c.at("dram_write_bytes").get<double>();
  }
  return out;
}

// The timing pass's metrics of every module, from the report's "gpu" object: path -> {gpu_ms, tflops_per_s}.
std::unordered_map<std::string, std::map<std::string, double>> read_gpu_metrics(const json& gpu) {
  std::unordered_map<std::string, std::map<std::string, double>> out;
  const json modules = gpu.value("modules", json::array());
  for (const auto& m : modules) {
    auto& metrics = out[m.at("module").get<std::string>()];
    metrics["gpu_ms"] = m.at("kernel_ms").at("median").get<double>();
    const json& tf = m.value("tflops_per_s", json());
    metrics["tflops_per_s"] = tf.is_number() ? tf.get<double>() : 0.0;
  }
  return out;
}

// Throughput regresses when it falls; every other metric when it grows.
bool higher_is_better(const std::string& metric) { return metric == "tflops_per_s"; }

// Reports are shallow: flat module objects, and `inputs` a list of shapes. A document nested deeper than this is
// no report, and a million levels would exhaust the stack in nlohmann's recursive destructor, dump and
// comparison (it crashed `compare`), so the text is measured before it is parsed.
constexpr int kMaxNesting = 64;

void check_nesting(const std::string& text, const std::string& name) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxNesting)
        throw InvalidInput(name + " is not a flopscope report (JSON nested more than " + std::to_string(kMaxNesting) +
                           " levels deep)");
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

// A field that must be a JSON integer in [lo, hi]: 1.9, 4294967297 and 1e300 are no schema version or depth, and
// a float-to-int conversion of them is a silent wrong value (or undefined behaviour).
std::int64_t integer_field(const json& object, const char* key, std::int64_t lo, std::int64_t hi,
                           const std::string& name) {
  const json& v = object.at(key);
  const bool fits = v.is_number_unsigned()  ? v.get<std::uint64_t>() <= static_cast<std::uint64_t>(hi)
                    : v.is_number_integer() ? v.get<std::int64_t>() >= lo && v.get<std::int64_t>() <= hi
                                            : false;
  if (!fits)
    throw InvalidInput(name + " is not a flopscope report (\"" + key + "\" is " + v.dump() + ", not an integer from " +
                       std::to_string(lo) + " to " + std::to_string(hi) + ")");
  return v.get<std::int64_t>();
}

Report parse(const std::string& text, const std::string& name) {
  check_nesting(text, name);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers too large (found by fuzzing)
    throw InvalidInput(name + " is not valid JSON (" + std::string(e.what()) + ")");
  }
  try {
    if (!j.is_object() || j.value("/tool/name"_json_pointer, std::string()) != "flopscope")
      throw InvalidInput(name + " is not a flopscope report (no tool.name \"flopscope\")");
    const auto version = integer_field(j, "schema_version", 0, 1000000, name);
    if (version != kReportSchemaVersion)
      throw InvalidInput(name + " has report schema version " + std::to_string(version) + "; this flopscope reads " +
                         std::to_string(kReportSchemaVersion));
    Report r;
    r.op_set = j.at("op_set").get<std::string>();
    r.inputs = j.at("inputs");
    r.has_gpu = j.contains("gpu") && j.at("gpu").is_object() && j.at("gpu").value("ran", false);
    const auto gpu = r.has_gpu ? read_gpu_metrics(j.at("gpu")) : decltype(read_gpu_metrics(j)){};
    r.has_counters = j.contains("counters") && j.at("counters").is_object() && j.at("counters").value("ran", false);
    r.train_step = j.contains("train_step");
    r.saved_measured = r.train_step && !j.at("train_step").value("saved_activation_bytes", json()).is_null();
    const auto counters = r.has_counters ? read_counter_metrics(j.at("counters")) : decltype(read_counter_metrics(j)){};
    for (const auto& m : j.at("modules")) {
      Module mod;
      mod.path = m.at("path").get<std::string>();
      mod.depth = static_cast<int>(integer_field(m, "depth", 0, 1000000, name));
      for (const auto& metric : compared_metrics()) mod.metrics[metric] = m.at(metric).get<double>();
      if (r.train_step)
        for (const auto& metric : step_metrics()) {
          const json& v = m.at(metric);
          if (v.is_null() && metric == "saved_activation_bytes" && !r.saved_measured) continue;  // not measured
          if (v.is_null())
            throw InvalidInput(name + " is not a complete flopscope report (module \"" + mod.path + "\" has no " +
                               metric + ")");
          mod.metrics[metric] = v.get<double>();
        }
      if (r.has_gpu) {  // a module no kernel ran in has none
        auto it = gpu.find(mod.path);
        for (const auto& metric : gpu_metrics()) mod.metrics[metric] = it == gpu.end() ? 0.0 : it->second.at(metric);
      }
      if (r.has_counters) {
        auto it = counters.find(mod.path);
        for (const auto& metric : counter_metrics())
          mod.metrics[metric] = it == counters.end() ? 0.0 : it->second.at(metric);
      }
      r.modules.push_back(std::move(mod));
    }
    return r;
  } catch (const json::exception& e) {
    throw InvalidInput(name + " is not a complete flopscope report (" + std::string(e.what()) + ")");
  }
}

std::string percent(double base, double current) {
  if (base == 0) return current == 0 ? "0%" : "new";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f%%", 100.0 * (current - base) / std::fabs(base));
  return buf;
}

}  // namespace

const std::vector<std::string>& compared_metrics() {
  static const std::vector<std::string> kMetrics = {"parameters", "macs", "activations"};
  return kMetrics;
}

const std::vector<std::string>& step_metrics() {
  static const std::vector<std::string> kMetrics = {"backward_macs", "optimizer_macs", "saved_activation_bytes"};
  return kMetrics;
}

const std::vector<std::string>& gpu_metrics() {
  static const std::vector<std::string> kMetrics = {"gpu_ms", "tflops_per_s"};
  return kMetrics;
}

const std::vector<std::string>& counter_metrics() {
  static const std::vector<std::string> kMetrics = {"measured_flops", "dram_bytes"};
  return kMetrics;
}

Comparison compare_reports(const std::string& base_json, const std::string& new_json, const CompareOptions& options,
                           const std::string& base_name, const std::string& new_name) {
  Report base = parse(base_json, base_name);
  Report current = parse(new_json, new_name);
  if (base.op_set != current.op_set)
    throw InvalidInput("the reports use different op sets (" + base.op_set + " vs " + current.op_set +
                       "); compare reports made with the same --ops");
  const bool inputs_differ = base.inputs != current.inputs;
  if (inputs_differ && !options.allow_different_inputs)
    throw InvalidInput("the reports were made with different inputs (" + base.inputs.dump() + " vs " +
                       current.inputs.dump() + "); to compare them anyway (e.g. sequence 128 vs 256) add "
                       "--allow-different-inputs");

  // A training step's backward is analytic, gated as the forward's counts are; a step against a forward is not a
  // comparison of like with like.
  if (base.train_step != current.train_step)
    throw InvalidInput((base.train_step ? base_name : new_name) + " is a training step (--train-step) and " +
                       (base.train_step ? new_name : base_name) + " a forward: compare reports of the same kind");
  std::vector<std::string> metrics = compared_metrics();
  // Saved activations are measured from the allocators: compared when both reports have them (a profiler running
  // leaves them null), unless a tolerance names them, which then needs both.
  if (base.train_step)
    for (const auto& metric : step_metrics()) {
      if (metric == "saved_activation_bytes" && !(base.saved_measured && current.saved_measured)) {
        if (options.tolerances.count(metric) != 0)
          throw InvalidInput((base.saved_measured ? new_name : base_name) + " has no saved activations measured (a "
                             "profiler was running when it was made): a tolerance for " + metric + " needs both");
        continue;
      }
      metrics.push_back(metric);
    }
  // GPU metrics are gated only when a tolerance names them: timings vary from run to run, so there is no
  // sensible default, and reports without a timing pass must keep comparing.
  for (const auto& metric : gpu_metrics()) {
    if (options.tolerances.count(metric) == 0) continue;
    for (const auto* r : {&base, &current})
      if (!r->has_gpu)
        throw InvalidInput((r == &base ? base_name : new_name) + " has no GPU timings (a tolerance for " + metric +
                           " needs two reports made with --device cuda and the timing pass)");
    metrics.push_back(metric);
  }
  for (const auto& metric : counter_metrics()) {
    if (options.tolerances.count(metric) == 0) continue;
    for (const auto* r : {&base, &current})
      if (!r->has_counters)
        throw InvalidInput((r == &base ? base_name : new_name) + " has no hardware counters (a tolerance for " +
                           metric + " needs two reports made with --device cuda --counters)");
    metrics.push_back(metric);
  }

  std::unordered_map<std::string, const Module*> in_base;
  for (const auto& m : base.modules) in_base[m.path] = &m;
  std::unordered_map<std::string, const Module*> in_current;
  for (const auto& m : current.modules) in_current[m.path] = &m;

  Comparison out;
  std::string first_regression;
  auto diff = [&](const Module* b, const Module* c) {
    const Module& any = c ? *c : *b;
    if (options.max_depth >= 0 && any.depth > options.max_depth) return;
    ModuleDiff d;
    d.path = any.path;
    d.status = b && c ? "both" : c ? "added" : "removed";
    bool changed = false;
    for (const auto& metric : metrics) {
      MetricDiff m;
      m.metric = metric;
      m.base = b ? b->metrics.at(metric) : 0;
      m.current = c ? c->metrics.at(metric) : 0;
      auto it = options.tolerances.find(metric);
      const Tolerance& tol = it == options.tolerances.end() ? options.fallback : it->second;
      const double allowed = std::max(tol.abs, tol.rel * std::fabs(m.base));
      const double delta = m.current - m.base;
      m.outside_tolerance = std::fabs(delta) > allowed;
      const bool worse = higher_is_better(metric) ? delta < 0 : delta > 0;
      m.regression = m.outside_tolerance && (worse || options.decreases_fail);
      changed |= m.outside_tolerance;
      if (m.regression && !d.regression && first_regression.empty())
        first_regression = text::printable(module_label(d.path)) + " " + metric + " " + percent(m.base, m.current);
      d.regression |= m.regression;
      d.metrics.push_back(m);
    }
    out.changed += changed ? 1 : 0;
    out.regressions += d.regression ? 1 : 0;
    out.modules.push_back(std::move(d));
  };
  for (const auto& m : current.modules) {
    auto it = in_base.find(m.path);
    diff(it == in_base.end() ? nullptr : it->second, &m);
  }
  for (const auto& m : base.modules)
    if (in_current.count(m.path) == 0) diff(&m, nullptr);

  int added = 0, removed = 0;
  for (const auto& d : out.modules) {
    added += d.status == "added";
    removed += d.status == "removed";
  }
  out.summary = std::to_string(out.modules.size()) + " modules compared, " + std::to_string(out.changed) +
                " outside tolerance, " + std::to_string(out.regressions) + " regression" +
                (out.regressions == 1 ? "" : "s") + (first_regression.empty() ? "" : " (first: " + first_regression + ")") +
                ", " + std::to_string(added) + " added, " + std::to_string(removed) + " removed" +
                (inputs_differ ? ", inputs differ (" + base.inputs.dump() + " vs " + current.inputs.dump() + ")" : "");
  out.inputs_differ = inputs_differ;
  return out;
}

std::string render_comparison_table(const Comparison& c) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : c.modules) {
    for (const auto& m : d.metrics) {
      if (!m.outside_tolerance && d.status == "both") continue;
      rows.push_back({module_label(d.path), m.metric, compare_detail::number_text(m.base), compare_detail::number_text(m.current), percent(m.base, m.current),
                      d.status != "both" ? d.status : m.regression ? "REGRESSION" : "changed"});
    }
  }
  std::string out;
  if (!rows.empty()) {
    out = report::render_ascii2({"module", "metric", "base", "new", "change", "status"}, rows);
  }
  return out + "compare: " + c.summary + "\n";
}

}  // namespace flopscope
