// One CSV row per module, columns in a fixed order, for spreadsheets and regression scripts.
#include <unordered_set>

#include <cstdio>

#include "flopscope/report.h"
#include "report/stats_map.h"
#include "text/printable.h"

namespace flopscope {

std::string render_csv(const Analysis& a) {
  auto params = report::parameter_count(a.tree);
  std::unordered_set<std::string> uncalled(a.uncalled.begin(), a.uncalled.end());
  auto quote = [](const std::string& s) {  // RFC 4180: quote fields holding separators or quotes
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  };
  // The timing pass adds its columns, so CPU reports keep the same columns as before.
  const bool gpu = a.gpu.ran;
  auto number = [](double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return std::string(buf);
  };
  std::string out = "module,type,depth,parameters,macs,flops,activations,called";
  out += a.train_step ? ",backward_macs,backward_flops,optimizer_macs,parameter_bytes,gradient_bytes,optimizer_state_bytes,"
                        "saved_activation_bytes"
                      : "";
  const auto step = report::step_sums(a);
  out += gpu ? ",gpu_kernels_per_forward,gpu_ms_median,gpu_ms_min,gpu_ms_max,tflops_per_s,peak_share" : "";
  // A training step's backward on the GPU: its own time, throughput and share of peak (the columns above are its
  // forward's).
  const bool gpu_backward = gpu && a.gpu.train_step;
  out += gpu_backward ? ",gpu_backward_ms_median,backward_tflops_per_s,backward_peak_share" : "";
  const bool counters = a.counters.ran;
  out += counters ? ",measured_flops,flops_ratio,dram_bytes,intensity,bound,bound_share\n" : "\n";
  for (const auto& node : a.tree.nodes) {
    const Count p = params.find(node.path) ? *params.find(node.path) : 0;
    const Count macs = a.flops.total(node.path);
    out += quote(text::spreadsheet_safe(node.path)) + "," + quote(text::spreadsheet_safe(node.class_name)) + "," +
           std::to_string(module_depth(node.path)) + "," + std::to_string(p) + "," +
           std::to_string(macs) + "," + std::to_string(2 * static_cast<std::uint64_t>(macs)) + "," +
           std::to_string(a.activations.total(node.path)) + "," + (uncalled.count(node.path) ? "false" : "true");
    if (a.train_step) {
      const Count backward = a.backward.total(node.path);
      out += "," + std::to_string(backward) + "," + std::to_string(2 * static_cast<std::uint64_t>(backward));
      const auto it = step.find(node.path);
      const report::StepSums s = it == step.end() ? report::StepSums{} : it->second;
      out += "," + std::to_string(s.optimizer_macs) + "," + std::to_string(s.parameter_bytes) + "," +
             std::to_string(s.gradient_bytes) + "," + std::to_string(s.optimizer_state_bytes) + "," +
             (a.saved_activations.measured ? std::to_string(s.saved_activation_bytes) : std::string());
    }
    if (gpu) {
      auto it = a.gpu.by_module.find(node.path);
      const gpu::GpuCost cost = it == a.gpu.by_module.end() ? gpu::GpuCost{} : it->second;
      out += "," + number(cost.kernels) + "," + number(cost.kernel_ns.median / 1e6) + "," +
             number(cost.kernel_ns.min / 1e6) + "," + number(cost.kernel_ns.max / 1e6) + "," +
             number(cost.flops_per_s / 1e12) + "," + (cost.peak_share < 0 ? "" : number(cost.peak_share));
    }
    if (gpu_backward) {
      auto it = a.gpu.backward_by_module.find(node.path);
      const gpu::GpuCost cost = it == a.gpu.backward_by_module.end() ? gpu::GpuCost{} : it->second;
      out += "," + number(cost.kernel_ns.median / 1e6) + "," + number(cost.flops_per_s / 1e12) + "," +
             (cost.peak_share < 0 ? "" : number(cost.peak_share));
    }
    if (counters) {
      auto it = a.counters.by_module.find(node.path);
      const gpu::MeasuredCost c = it == a.counters.by_module.end() ? gpu::MeasuredCost{} : it->second;
      auto optional = [&](double v) { return v < 0 ? std::string() : number(v); };
      out += "," + number(c.flops) + "," + optional(c.ratio) + "," + number(c.dram_read_bytes + c.dram_write_bytes) +
             "," + optional(c.intensity) + "," + c.bound + "," + optional(c.bound_share);
    }
    out += "\n";
  }
  return out;
}

}  // namespace flopscope
