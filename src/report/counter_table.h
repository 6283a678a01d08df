#pragma once
// The counter report for people and machines: text tables (per module down to a depth, per op, outliers,
// join summary), JSON (everything, numbers unrounded) and CSV (one row per module and per op). Counter
// columns use real FLOPs (2 per multiply-add), as every hardware-counter field does.
#include <string>

#include <nlohmann/json.hpp>

#include "flopscope/counters.h"

namespace flopscope::report {

/// Text tables; modules deeper than `max_depth` (root = 0) are left out.
std::string counter_table(const gpu::CounterReport& report, int max_depth = 3);

/// {"ran", "skipped_reason", "chip", "configs", "passes", "join", "peaks", "ratio_tolerance", "total",
///  "by_module", "by_op", "outliers", "kernels"}; by_module is keyed by path ("" = root).
nlohmann::json counter_json(const gpu::CounterReport& report);

/// Columns: scope (module|op|total), name, kernels, measured_flops, analytic_flops, ratio, dram_read_bytes,
/// dram_write_bytes, intensity, bound, achieved_flops_per_s, bound_share.
std::string counter_csv(const gpu::CounterReport& report);

/// The JSON's MeasuredCost object (shared by the main JSON report when it embeds counter columns).
nlohmann::json measured_cost_json(const gpu::MeasuredCost& cost);

}  // namespace flopscope::report
