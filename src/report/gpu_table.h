#pragma once
// The timing pass for people (a summary block and two tables) and for machines (a JSON object that the
// JSON report embeds under "gpu"). Throughput counts 2 FLOPs per MAC, and says so.
#include <string>

#include <nlohmann/json.hpp>

#include "flopscope/gpu.h"
#include "flopscope/module_tree.h"

namespace flopscope::report {

/// The forward summary: device, forwards, wall / kernel / idle time (median [min-max] ms), the untraced
/// forward's time and the pass's overhead when measured, attributed share, peaks source. Lines end in '\n'.
std::string render_gpu_summary(const gpu::GpuReport& report);

/// Per-module table (module, kernels per forward, GPU time ms median [min-max], TFLOP/s (2 FLOPs/MAC),
/// % of peak, memcpy ms), `max_depth` levels below the root as in the analytic table. Modules follow the
/// tree's order when `tree` is given, else their paths' order.
std::string render_gpu_modules(const gpu::GpuReport& report, int max_depth = 3, const ModuleTree* tree = nullptr);

/// Per op type (the owner op's name), slowest first.
std::string render_gpu_ops(const gpu::GpuReport& report);

/// Summary, module table and op table, separated by blank lines; or one line saying why timing was skipped. A
/// training step has two module tables, "Forward" and "Backward".
std::string render_gpu_report(const gpu::GpuReport& report, int max_depth = 3, const ModuleTree* tree = nullptr);

/// The report as JSON: {"ran", "skipped_reason", "device", "forwards", "warmup", "wall_ms", "kernel_ms",
/// "idle_ms" ({median,min,max}), "plain_forward_ms", "attributed_share", "unattributed_kernels",
/// "peaks" {source, flops_per_s, dram_bytes_per_s}, "modules": [{module, kernels_per_forward, kernel_ms,
/// memcpy_ms, memset_ms, macs, flops, tflops_per_s, peak_share}], "ops": [{op, ...same}]}. peak_share is
/// null where no peak is known; modules in path order, ops slowest first. Also "mfu" (null when unknown) and
/// "train_step"; a training step's "modules" are its forward's and "backward_modules" its backward's.
nlohmann::json gpu_report_json(const gpu::GpuReport& report);

}  // namespace flopscope::report
