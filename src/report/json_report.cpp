// The machine-readable report. Units are explicit in the field names: `macs` are multiply-adds (what
// mmengine calls flops), `flops` are floating-point operations = 2 x macs.
#include <nlohmann/json.hpp>

#include <unordered_set>

#include <torch/version.h>


#include "build_info.h"
#include "flopscope/report.h"
#include "report/counter_table.h"
#include "report/gpu_table.h"
#include "report/stats_map.h"

#ifndef FLOPSCOPE_VERSION
#define FLOPSCOPE_VERSION "unknown"
#endif

namespace flopscope {
namespace {

using nlohmann::ordered_json;

ordered_json op_list(const OrderedCounter& counter, const char* unit) {
  ordered_json out = ordered_json::array();
  for (const auto& [op, n] : counter.items()) {
    ordered_json e{{"op", op}, {unit, n}};
    if (std::string(unit) == "macs") e["flops"] = 2 * static_cast<std::uint64_t>(n);  // exact: MACs fit int64
    out.push_back(std::move(e));
  }
  return out;
}

ordered_json unsupported_list(const OrderedCounter& counter) {
  ordered_json out = ordered_json::array();
  for (const auto& [op, n] : counter.items()) out.push_back({{"op", op}, {"count", n}});
  return out;
}

}  // namespace

std::string render_json(const Analysis& a, const std::vector<std::string>& warnings) {
  const RunInfo& run = a.run;
  auto params = report::parameter_count(a.tree);
  std::unordered_set<std::string> uncalled(a.uncalled.begin(), a.uncalled.end());

  ordered_json inputs = ordered_json::array();
  for (std::size_t i = 0; i < run.input_shapes.size(); ++i)
    inputs.push_back({{"shape", run.input_shapes[i]},
                      {"dtype", i < run.input_dtypes.size() ? run.input_dtypes[i] : std::string("float32")}});

  const auto step = report::step_sums(a);
  // Saved activations are null when the allocators' reports could not be had (train_step says why).
  auto saved = [&a](const report::StepSums& s) {
    return a.saved_activations.measured ? ordered_json(s.saved_activation_bytes) : ordered_json(nullptr);
  };
  ordered_json modules = ordered_json::array();
  for (const auto& node : a.tree.nodes) {
    const Count p = params.find(node.path) ? *params.find(node.path) : 0;
    const Count macs = a.flops.total(node.path);
    modules.push_back({{"path", node.path},
                       {"type", node.class_name},
                       {"depth", module_depth(node.path)},
                       {"parameters", p},
                       {"macs", macs},
                       {"flops", 2 * static_cast<std::uint64_t>(macs)},
                       {"activations", a.activations.total(node.path)},
                       {"called", uncalled.count(node.path) == 0},
                       {"macs_by_op", op_list(a.flops.by_operator(node.path), "macs")}});
    if (a.train_step) {  // a training step's backward; forward reports keep exactly their fields
      const Count backward = a.backward.total(node.path);
      auto& m = modules.back();
      m["backward_macs"] = backward;
      m["backward_flops"] = 2 * static_cast<std::uint64_t>(backward);
      m["backward_macs_by_op"] = op_list(a.backward.by_operator(node.path), "macs");
      const auto it = step.find(node.path);
      const report::StepSums s = it == step.end() ? report::StepSums{} : it->second;
      m["optimizer_macs"] = s.optimizer_macs;
      m["parameter_bytes"] = s.parameter_bytes;
      m["gradient_bytes"] = s.gradient_bytes;
      m["optimizer_state_bytes"] = s.optimizer_state_bytes;
      m["saved_activation_bytes"] = saved(s);
    }
  }

  ordered_json report{
      {"schema_version", kReportSchemaVersion},
      {"tool", {{"name", "flopscope"}, {"version", FLOPSCOPE_VERSION}, {"libtorch", TORCH_VERSION},
                {"cuda_toolkit", FLOPSCOPE_CUDA_TOOLKIT[0] ? ordered_json(FLOPSCOPE_CUDA_TOOLKIT) : ordered_json(nullptr)},
                {"cuda", run.cuda}}},
      {"model", {{"source", run.model}, {"kind", run.model_kind},
                 {"sha256", run.model_sha256.empty() ? ordered_json(nullptr) : ordered_json(run.model_sha256)}}},
      {"device", run.device},
      {"inputs", inputs},
      {"op_set", run.op_set},
      {"mode", run.mode},
      {"units", {{"macs", "multiply-accumulates (mmengine's #flops)"}, {"flops", "floating-point operations, 2 per MAC"}}},
      {"totals", {{"parameters", a.tree.total_params()},
                  {"macs", a.flops.total()},
                  {"flops", 2 * static_cast<std::uint64_t>(a.flops.total())},
                  {"activations", a.activations.total()}}},
      {"operators", {{"macs", op_list(a.flops.by_operator(), "macs")},
                     {"activations", op_list(a.activations.by_operator(), "activations")}}},
      {"unsupported", {{"macs", unsupported_list(a.flops.unsupported)},
                       {"activations", unsupported_list(a.activations.unsupported)}}},
      {"modules", modules},
      {"warnings", warnings},
  };
  // A training step: the backward's totals, by op, and the backward ops with no formula.
  if (a.train_step) {
    const Count backward = a.backward.total();
    const auto root = step.find("");
    const report::StepSums s = root == step.end() ? report::StepSums{} : root->second;
    const Count total = a.flops.total() + backward + s.optimizer_macs;
    report["train_step"] = {{"backward_macs", backward},
                            {"backward_flops", 2 * static_cast<std::uint64_t>(backward)},
                            {"optimizer", a.optimizer.empty() ? ordered_json(nullptr) : ordered_json(a.optimizer)},
                            {"optimizer_macs", s.optimizer_macs},
                            {"step_macs", total},
                            {"step_flops", 2 * static_cast<std::uint64_t>(total)},
                            {"parameter_bytes", s.parameter_bytes},
                            {"gradient_bytes", s.gradient_bytes},
                            {"optimizer_state_bytes", s.optimizer_state_bytes},
                            {"saved_activation_bytes", saved(s)},
                            {"saved_activations_unmeasured", a.saved_activations.measured
                                                                 ? ordered_json(nullptr)
                                                                 : ordered_json(a.saved_activations.why_not)},
                            {"operators", op_list(a.backward.by_operator(), "macs")},
                            {"unsupported", unsupported_list(a.backward.unsupported)}};
  }
  // What an exported program was analysed at: its dynamic dimensions' values (docs/report-schema.md).
  if (const auto& e = run.exported) {
    ordered_json dims = ordered_json::object();
    for (const auto& [name, value] : e->dims) dims[name] = value;
    report["export"] = {{"schema_version", e->schema_version}, {"dialect", e->dialect},
                        {"torch_version", e->torch_version}, {"dims", std::move(dims)}, {"executed", e->executed}};
  }
  // How the model file was confined while it ran (the command line's reports; docs/security.md).
  if (const SandboxInfo& s = run.sandbox; s.reported()) {
    ordered_json sandbox{{"confined", s.confined}};
    if (!s.confined) {
      sandbox["why_not"] = s.why_not;
    } else {
      sandbox["filesystem"] = s.filesystem;
      sandbox["network_refused"] = s.network_refused;
      sandbox["exec_refused"] = s.exec_refused;
      sandbox["memory_limit"] = s.memory_limit;
      sandbox["load_timeout_s"] = s.load_timeout_s > 0 ? ordered_json(s.load_timeout_s) : ordered_json(nullptr);
      sandbox["timeout_s"] = s.timeout_s > 0 ? ordered_json(s.timeout_s) : ordered_json(nullptr);
      sandbox["not_applied"] = s.not_applied;
    }
    report["sandbox"] = std::move(sandbox);
  }
  // Only reports made for a CUDA device carry the timing pass (or the reason it was skipped): analytic
  // reports stay byte-identical run to run.
  if (a.gpu.ran || !a.gpu.skipped_reason.empty()) report["gpu"] = ordered_json(report::gpu_report_json(a.gpu));
  if (a.counters.ran || !a.counters.skipped_reason.empty())
    report["counters"] = ordered_json(report::counter_json(a.counters));
  // ASCII only, and bytes that are not UTF-8 (a module name from a hostile file) replaced rather than an error:
  // the report is always valid JSON, and nothing in it can drive a terminal.
  return report.dump(2, ' ', /*ensure_ascii=*/true, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace flopscope
