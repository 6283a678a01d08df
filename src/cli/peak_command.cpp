#include "cli/peak_command.h"

#include <ATen/Context.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <set>

#include "gpu/peak_table.h"
#include "flopscope/device.h"
#include "flopscope/errors.h"
#include "gpu/measured_peak.h"
#include "report/ascii_table.h"

namespace flopscope::cli {
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

}  // namespace

int run_peak(const PeakArgs& args) {
  c10::Device device(c10::kCUDA);
  try {
    device = c10::Device(args.device);
  } catch (const c10::Error&) {
    throw InvalidInput("unknown device '" + args.device + "' (use cuda or cuda:N)");
  }
  if (!device.is_cuda()) throw InvalidInput("flopscope peak measures a CUDA device; use --device cuda or cuda:N");
  require_cuda();
  if (!at::hasCUDA()) throw CudaUnavailable("CUDA was requested but this LibTorch has no CUDA support");
  const CudaStatus status = probe_cuda();
  const int index = device.has_index() ? device.index() : 0;
  const CudaDevice* probed = nullptr;
  for (const auto& d : status.devices)
    if (d.index == index) probed = &d;
  if (probed == nullptr) throw InvalidInput("no CUDA device " + std::to_string(index) + ": " + describe(status));

  const gpu::PeakSet table = gpu::table_peaks(*probed);
  const gpu::PeakSet measured = gpu::measure_peaks(device);
  std::set<std::string> classes;
  for (const auto* p : {&table, &measured})
    for (const auto& kv : p->flops_per_s) classes.insert(kv.first);
  auto get = [](const gpu::PeakSet& p, const std::string& k) {
    auto it = p.flops_per_s.find(k);
    return it == p.flops_per_s.end() ? 0.0 : it->second;
  };

  if (args.json) {
    nlohmann::ordered_json j;
    j["device"] = probed->name;
    j["table"] = {{"source", table.source}, {"flops_per_s", table.flops_per_s}, {"dram_bytes_per_s", table.dram_bytes_per_s}};
    j["measured"] = {{"source", measured.source}, {"flops_per_s", measured.flops_per_s},
                     {"dram_bytes_per_s", measured.dram_bytes_per_s}};
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& k : classes)
    rows.push_back({k, tera(get(table, k)), tera(get(measured, k)), ratio(get(measured, k), get(table, k))});
  rows.push_back({"DRAM (TB/s)", tera(table.dram_bytes_per_s), tera(measured.dram_bytes_per_s),
                  ratio(measured.dram_bytes_per_s, table.dram_bytes_per_s)});
  std::cout << "device: " << probed->name << "\n"
            << "table: " << table.source << "\n"
            << "measured: " << measured.source << "\n"
            << report::render_ascii2({"precision", "table TFLOP/s", "measured TFLOP/s", "measured / table"}, rows)
            << "(FLOP/s count 2 per multiply-add; int8 counts operations)\n";
  return 0;
}

}  // namespace flopscope::cli
