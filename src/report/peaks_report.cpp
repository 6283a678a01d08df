// render_peaks (include/flopscope/peaks.h): the datasheet and measured peaks side by side.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <set>

#include "flopscope/peaks.h"
#include "report/ascii_table.h"

namespace flopscope {
namespace {

std::string tera(double per_s) {
  if (per_s <= 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", per_s / 1e12);
  return buf;
}

std::string ratio(double measured, double table) {
  if (measured <= 0 || table <= 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", 100.0 * measured / table);
  return buf;
}

double get(const gpu::PeakSet& p, const std::string& k) {
  auto it = p.flops_per_s.find(k);
  return it == p.flops_per_s.end() ? 0.0 : it->second;
}

}  // namespace

std::string render_peaks(const DevicePeaks& peaks, bool json) {
  const auto& table = peaks.table;
  const auto& measured = peaks.measured;
  if (json) {
    nlohmann::ordered_json j;
    j["device"] = peaks.device.name;
    j["table"] = {{"source", table.source}, {"flops_per_s", table.flops_per_s}, {"dram_bytes_per_s", table.dram_bytes_per_s}};
    j["measured"] = {{"source", measured.source}, {"flops_per_s", measured.flops_per_s},
                     {"dram_bytes_per_s", measured.dram_bytes_per_s}};
    return j.dump(2) + "\n";
  }
  std::set<std::string> classes;
  for (const auto* p : {&table, &measured})
    for (const auto& kv : p->flops_per_s) classes.insert(kv.first);
  std::vector<std::vector<std::string>> rows;
  for (const auto& k : classes)
    rows.push_back({k, tera(get(table, k)), tera(get(measured, k)), ratio(get(measured, k), get(table, k))});
  rows.push_back({"DRAM (TB/s)", tera(table.dram_bytes_per_s), tera(measured.dram_bytes_per_s),
                  ratio(measured.dram_bytes_per_s, table.dram_bytes_per_s)});
  return "device: " + peaks.device.name + "\n" + "table: " + table.source + "\n" + "measured: " + measured.source +
         "\n" + report::render_ascii2({"precision", "table TFLOP/s", "measured TFLOP/s", "measured / table"}, rows) +
         "(FLOP/s count 2 per multiply-add; int8 counts operations)\n";
}

}  // namespace flopscope
