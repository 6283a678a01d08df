#include "report/gpu_table.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <vector>

#include "report/ascii_table.h"
#include "flopscope/module_tree.h"
#include "flopscope/si_format.h"

namespace flopscope::report {
namespace {

using gpu::GpuCost;
using gpu::GpuReport;
using gpu::Spread;

std::string spread_ms(const Spread& ms) {
  return fixed_point(ms.median, 3) + " [" + fixed_point(ms.min, 3) + "-" + fixed_point(ms.max, 3) + "]";
}
Spread ns_to_ms(const Spread& ns) { return {ns.median * 1e-6, ns.min * 1e-6, ns.max * 1e-6}; }

std::string count_text(double per_forward) {
  return per_forward == static_cast<double>(static_cast<long long>(per_forward)) ? fixed_point(per_forward, 0)
                                                                                 : fixed_point(per_forward, 1);
}
std::string tflops_text(const GpuCost& c) {
  return c.flops > 0 && c.flops_per_s > 0 ? fixed_point(c.flops_per_s / 1e12, 2) : "-";
}
std::string peak_text(const GpuCost& c) {
  return c.flops > 0 && c.peak_share >= 0 ? fixed_point(100 * c.peak_share, 1) + "%" : "-";
}

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (!path.empty()) {
    auto dot = path.find('.', start);
    parts.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() < 18 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// Path order with numbered children in number order: "layer1.2" before "layer1.10", parents before children.
bool path_less(const std::string& a, const std::string& b) {
  const auto pa = split(a), pb = split(b);
  for (std::size_t i = 0; i < pa.size() && i < pb.size(); ++i) {
    if (pa[i] == pb[i]) continue;
    if (all_digits(pa[i]) && all_digits(pb[i])) return std::stoll(pa[i]) < std::stoll(pb[i]);
    return pa[i] < pb[i];
  }
  return pa.size() < pb.size();
}

bool has_anything(const GpuCost& c) {
  return c.kernels > 0 || c.flops > 0 || c.memcpy_ns.max > 0 || c.memset_ns.max > 0;
}

std::vector<std::string> module_order(const std::map<std::string, GpuCost>& by_module, const ModuleTree* tree) {
  std::vector<std::string> order;
  std::set<std::string> seen;
  if (tree != nullptr)
    for (const auto& node : tree->nodes)
      if (by_module.count(node.path) != 0 && seen.insert(node.path).second) order.push_back(node.path);
  std::vector<std::string> rest;
  for (const auto& kv : by_module)
    if (seen.count(kv.first) == 0) rest.push_back(kv.first);
  std::sort(rest.begin(), rest.end(), path_less);
  order.insert(order.end(), rest.begin(), rest.end());
  return order;
}

std::vector<std::pair<std::string, const GpuCost*>> ops_by_time(const GpuReport& report) {
  std::vector<std::pair<std::string, const GpuCost*>> ops;
  for (const auto& kv : report.by_op) ops.emplace_back(kv.first, &kv.second);
  std::stable_sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) {
    return a.second->kernel_ns.median > b.second->kernel_ns.median;
  });
  return ops;
}

nlohmann::json spread_json(const Spread& s, double scale) {
  return {{"median", s.median * scale}, {"min", s.min * scale}, {"max", s.max * scale}};
}

nlohmann::json cost_json(const GpuCost& c) {
  nlohmann::json j;
  j["kernels_per_forward"] = c.kernels;
  j["kernel_ms"] = spread_json(c.kernel_ns, 1e-6);
  j["memcpy_ms"] = spread_json(c.memcpy_ns, 1e-6);
  j["memset_ms"] = spread_json(c.memset_ns, 1e-6);
  j["macs"] = c.flops / 2;
  j["flops"] = c.flops;
  j["tflops_per_s"] = c.flops_per_s / 1e12;
  j["peak_share"] = c.peak_share >= 0 ? nlohmann::json(c.peak_share) : nlohmann::json(nullptr);
  return j;
}

}  // namespace

std::string render_gpu_summary(const GpuReport& r) {
  std::string out = "GPU timing";
  if (!r.device_name.empty()) out += " on " + r.device_name;
  const char* runs = r.train_step ? " training step(s)" : " forward(s)";
  out += ": " + std::to_string(r.forwards) + runs + " after " + std::to_string(r.warmup) + " warmup\n";
  out += "  wall time (CUDA events)  " + spread_ms(r.wall_ms) + " ms\n";
  out += "  kernel time (summed)     " + spread_ms(r.kernel_ms) + " ms\n";
  out += "  idle (wall - kernel)     " + spread_ms(r.idle_ms) + " ms\n";
  if (r.plain_forward_ms > 0)
    out += std::string(r.train_step ? "  untraced step            " : "  untraced forward         ") +
           fixed_point(r.plain_forward_ms, 3) + " ms (timing pass costs " +
           fixed_point(r.wall_ms.median / r.plain_forward_ms, 2) + "x)\n";
  if (r.mfu >= 0)
    out += "  MFU                      " + fixed_point(100 * r.mfu, 1) +
           "% (the counted FLOPs at the peak of each op's dtype, over the wall time)\n";
  out += "  attributed to modules    " + fixed_point(100 * r.attributed_share, 1) + "% of kernel time";
  if (r.unattributed_kernels > 0)
    out += "; " + std::to_string(r.unattributed_kernels) + " kernel(s) not joined to an op";
  out += "\n";
  out += "  peaks                    " + (r.peaks.source.empty() ? std::string("none") : r.peaks.source) + "\n";
  return out;
}

namespace {

std::string modules_table(const std::map<std::string, GpuCost>& by_module, int max_depth, const ModuleTree* tree) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& path : module_order(by_module, tree)) {
    const int depth = module_depth(path);
    const GpuCost& c = by_module.at(path);
    if (depth > max_depth || !has_anything(c)) continue;
    const std::string indent(static_cast<std::size_t>(depth), ' ');
    rows.push_back({indent + (path.empty() ? "model" : path), indent + count_text(c.kernels),
                    indent + spread_ms(ns_to_ms(c.kernel_ns)), indent + tflops_text(c), indent + peak_text(c),
                    indent + fixed_point(c.memcpy_ns.median * 1e-6, 3)});
  }
  return render_ascii2(
      {"module", "#kernels", "GPU time ms median [min-max]", "TFLOP/s (2 FLOPs/MAC)", "% of peak", "memcpy ms"}, rows);
}

}  // namespace

std::string render_gpu_modules(const GpuReport& r, int max_depth, const ModuleTree* tree) {
  return modules_table(r.by_module, max_depth, tree);
}

std::string render_gpu_ops(const GpuReport& r) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& [name, c] : ops_by_time(r))
    rows.push_back({name, count_text(c->kernels), spread_ms(ns_to_ms(c->kernel_ns)), tflops_text(*c), peak_text(*c),
                    fixed_point(c->memcpy_ns.median * 1e-6, 3)});
  return render_ascii2(
      {"op", "#kernels", "GPU time ms median [min-max]", "TFLOP/s (2 FLOPs/MAC)", "% of peak", "memcpy ms"}, rows);
}

std::string render_gpu_report(const GpuReport& r, int max_depth, const ModuleTree* tree) {
  if (!r.ran) return "GPU timing skipped: " + r.skipped_reason + "\n";
  if (!r.train_step)
    return render_gpu_summary(r) + "\n" + modules_table(r.by_module, max_depth, tree) + "\n" + render_gpu_ops(r);
  // A training step: the forward's modules, then the backward's (each node on the module whose forward made it).
  return render_gpu_summary(r) + "\nForward\n" + modules_table(r.by_module, max_depth, tree) +
         "\nBackward\n" + modules_table(r.backward_by_module, max_depth, tree) + "\n" + render_gpu_ops(r);
}

nlohmann::json gpu_report_json(const GpuReport& r) {
  nlohmann::json j;
  j["ran"] = r.ran;
  j["skipped_reason"] = r.skipped_reason;
  j["device"] = r.device_name;
  j["forwards"] = r.forwards;
  j["warmup"] = r.warmup;
  j["wall_ms"] = spread_json(r.wall_ms, 1);
  j["kernel_ms"] = spread_json(r.kernel_ms, 1);
  j["idle_ms"] = spread_json(r.idle_ms, 1);
  j["plain_forward_ms"] = r.plain_forward_ms;
  j["attributed_share"] = r.attributed_share;
  j["unattributed_kernels"] = r.unattributed_kernels;
  j["peaks"] = {
      {"source", r.peaks.source}, {"flops_per_s", r.peaks.flops_per_s}, {"dram_bytes_per_s", r.peaks.dram_bytes_per_s}};
  j["mfu"] = r.mfu >= 0 ? nlohmann::json(r.mfu) : nlohmann::json(nullptr);
  j["train_step"] = r.train_step;
  auto modules_json = [](const std::map<std::string, GpuCost>& by_module) {
    auto modules = nlohmann::json::array();
    for (const auto& path : module_order(by_module, nullptr)) {
      auto m = cost_json(by_module.at(path));
      m["module"] = path;
      modules.push_back(std::move(m));
    }
    return modules;
  };
  j["modules"] = modules_json(r.by_module);  // a training step's forward
  if (r.train_step) j["backward_modules"] = modules_json(r.backward_by_module);
  auto ops = nlohmann::json::array();
  for (const auto& [name, c] : ops_by_time(r)) {
    auto o = cost_json(*c);
    o["op"] = name;
    ops.push_back(std::move(o));
  }
  j["ops"] = std::move(ops);
  return j;
}

}  // namespace flopscope::report
