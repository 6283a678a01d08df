#include "report/counter_table.h"
#include "flopscope/module_tree.h"
#include "flopscope/si_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

namespace flopscope::report {
namespace {

std::string ratio_text(double r) { return r < 0 ? "-" : fixed_point(r, 3); }
std::string share_text(double s) { return s < 0 ? "-" : fixed_point(100 * s, 1) + "%"; }
std::string intensity_text(double i) { return i < 0 ? "-" : fixed_point(i, i < 10 ? 2 : 1); }

// A plain left/right-aligned table: first column left, the rest right.
std::string render(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], r[c].size());
    }
  std::ostringstream s;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t c = 0; c < rows[i].size(); ++c) {
      const auto& cell = rows[i][c];
      std::string pad(width[c] - cell.size(), ' ');
      s << (c ? "  " : "") << (c == 0 ? cell + pad : pad + cell);
    }
    s << "\n";
    if (i == 0) {
      std::size_t total = 0;
      for (auto w : width) total += w + 2;
      s << std::string(total - 2, '-') << "\n";
    }
  }
  return s.str();
}

std::vector<std::string> header(const char* first) {
  return {first, "kernels", "FLOPs meas.", "FLOPs anal.", "meas/anal", "DRAM read", "DRAM write", "FLOP/B",
          "bound", "FLOP/s", "of bound"};
}

std::vector<std::string> row(const std::string& name, const gpu::MeasuredCost& c) {
  return {name,
          fixed_point(c.kernels, 0),
          format_si(c.flops, 3),
          c.analytic_flops > 0 ? format_si(c.analytic_flops, 3) : "-",
          ratio_text(c.ratio),
          format_si(c.dram_read_bytes, 3, "B"),
          format_si(c.dram_write_bytes, 3, "B"),
          intensity_text(c.intensity),
          c.bound.empty() ? "-" : c.bound,
          c.achieved_flops_per_s > 0 ? format_si(c.achieved_flops_per_s, 3) : "-",
          share_text(c.bound_share)};
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv_number(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

std::string counter_table(const gpu::CounterReport& report, int max_depth) {
  std::ostringstream s;
  if (!report.ran) {
    s << "hardware counters: not collected: " << report.skipped_reason << "\n";
    return s.str();
  }
  s << "hardware counters on " << (report.chip.empty() ? "?" : report.chip) << " (" << report.kernels.size()
    << " kernels, " << report.configs.size() << " configuration(s), passes";
  for (int p : report.passes) s << " " << p;
  s << "); FLOPs are 2 per multiply-add; ratio = measured / analytic\n";
  s << "join: " << report.join.joined << " of " << report.join.ranges << " ranges joined to " << report.join.kernels
    << " timing kernels";
  if (report.join.unmatched_ranges || report.join.unmatched_kernels)
    s << " (" << report.join.unmatched_ranges << " ranges and " << report.join.unmatched_kernels
      << " kernels unmatched)";
  s << "\n";
  for (const auto& m : report.join.mismatches) s << "  " << m << "\n";
  for (const auto& n : report.notes) s << "note: " << n << "\n";
  if (!report.tensor_factor.reason.empty()) s << "tensor FLOPs: " << report.tensor_factor.reason << "\n";
  if (!report.peaks.source.empty()) s << "peaks: " << report.peaks.source << "\n";
  s << "\n";

  std::vector<std::vector<std::string>> rows{header("module")};
  for (const auto& [path, c] : report.by_module) {
    int d = module_depth(path);
    if (d > max_depth) continue;
    rows.push_back(row(std::string(2 * d, ' ') + (path.empty() ? "model" : path), c));
  }
  s << render(rows) << "\n";
  rows = {header("op")};
  for (const auto& [op, c] : report.by_op) rows.push_back(row(op, c));
  rows.push_back(row("total", report.total));
  s << render(rows);
  if (!report.outliers.empty()) {
    s << "\nratio outside 1 +/- " << report.ratio_tolerance << ":\n";
    for (const auto& o : report.outliers)
      s << "  " << o.kind << " " << (o.kind == "module" && o.name.empty() ? "model" : o.name) << "  ratio "
        << ratio_text(o.ratio) << ": " << o.reason << "\n";
  }
  return s.str();
}

nlohmann::json measured_cost_json(const gpu::MeasuredCost& c) {
  nlohmann::json j;
  j["kernels"] = c.kernels;
  j["measured_flops"] = c.flops;
  j["measured_flops_by_class"] = c.flops_by_class;
  j["int_ops"] = c.int_ops;
  j["analytic_flops"] = c.analytic_flops;
  j["ratio"] = c.ratio < 0 ? nlohmann::json() : nlohmann::json(c.ratio);
  j["dram_read_bytes"] = c.dram_read_bytes;
  j["dram_write_bytes"] = c.dram_write_bytes;
  j["kernel_ns"] = c.kernel_ns;
  j["intensity"] = c.intensity < 0 ? nlohmann::json() : nlohmann::json(c.intensity);
  j["bound"] = c.bound.empty() ? nlohmann::json() : nlohmann::json(c.bound);
  j["ridge"] = c.ridge;
  j["attainable_flops_per_s"] = c.attainable_flops_per_s;
  j["achieved_flops_per_s"] = c.achieved_flops_per_s;
  j["bound_share"] = c.bound_share < 0 ? nlohmann::json() : nlohmann::json(c.bound_share);
  return j;
}

nlohmann::json counter_json(const gpu::CounterReport& r) {
  nlohmann::json j;
  j["ran"] = r.ran;
  j["skipped_reason"] = r.skipped_reason;
  j["chip"] = r.chip;
  j["configs"] = r.configs;
  j["passes"] = r.passes;
  j["notes"] = r.notes;
  j["tensor_factor"] = {{"flops_per_op", r.tensor_factor.flops_per_op},
                        {"ops_per_sm_cycle", r.tensor_factor.ops_per_sm_cycle},
                        {"table_flops_per_sm_clock", r.tensor_factor.table_flops_per_sm_clock},
                        {"reason", r.tensor_factor.reason}};
  j["join"] = {{"ranges", r.join.ranges},
               {"kernels", r.join.kernels},
               {"joined", r.join.joined},
               {"unmatched_ranges", r.join.unmatched_ranges},
               {"unmatched_kernels", r.join.unmatched_kernels},
               {"mismatches", r.join.mismatches}};
  j["peaks"] = {{"source", r.peaks.source},
                {"flops_per_s", r.peaks.flops_per_s},
                {"dram_bytes_per_s", r.peaks.dram_bytes_per_s}};
  j["ratio_tolerance"] = r.ratio_tolerance;
  j["total"] = measured_cost_json(r.total);
  j["by_module"] = nlohmann::json::object();
  for (const auto& [path, c] : r.by_module) j["by_module"][path] = measured_cost_json(c);
  j["by_op"] = nlohmann::json::object();
  for (const auto& [op, c] : r.by_op) j["by_op"][op] = measured_cost_json(c);
  j["outliers"] = nlohmann::json::array();
  for (const auto& o : r.outliers)
    j["outliers"].push_back({{"kind", o.kind},
                             {"name", o.name},
                             {"ratio", o.ratio < 0 ? nlohmann::json() : nlohmann::json(o.ratio)},
                             {"reason", o.reason}});
  j["kernels"] = nlohmann::json::array();
  for (const auto& k : r.kernels) {
    auto core = [](const gpu::CoreInstructions& c) { return nlohmann::json{{"add", c.add}, {"mul", c.mul}, {"fma", c.fma}}; };
    j["kernels"].push_back({{"range", k.range},
                            {"name", k.name},
                            {"grid", {k.grid[0], k.grid[1], k.grid[2]}},
                            {"fp64", core(k.fp64)},
                            {"fp32", core(k.fp32)},
                            {"fp16", core(k.fp16)},
                            {"tensor_ops", k.tensor_ops},
                            {"dram_read_bytes", k.dram_read_bytes},
                            {"dram_write_bytes", k.dram_write_bytes},
                            {"duration_ns", k.duration_ns}});
  }
  return j;
}

std::string counter_csv(const gpu::CounterReport& r) {
  std::ostringstream s;
  s << "scope,name,kernels,measured_flops,analytic_flops,ratio,dram_read_bytes,dram_write_bytes,intensity,bound,"
       "achieved_flops_per_s,bound_share\n";
  auto line = [&](const char* scope, const std::string& name, const gpu::MeasuredCost& c) {
    s << scope << "," << csv_field(name) << "," << csv_number(c.kernels) << "," << csv_number(c.flops) << ","
      << csv_number(c.analytic_flops) << "," << (c.ratio < 0 ? "" : csv_number(c.ratio)) << ","
      << csv_number(c.dram_read_bytes) << "," << csv_number(c.dram_write_bytes) << ","
      << (c.intensity < 0 ? "" : csv_number(c.intensity)) << "," << c.bound << ","
      << csv_number(c.achieved_flops_per_s) << "," << (c.bound_share < 0 ? "" : csv_number(c.bound_share)) << "\n";
  };
  for (const auto& [path, c] : r.by_module) line("module", path, c);
  for (const auto& [op, c] : r.by_op) line("op", op, c);
  line("total", "", r.total);
  return s.str();
}

}  // namespace flopscope::report
