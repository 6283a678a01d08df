#pragma once
/// The counter pass's vocabulary (issue #6): what CUPTI's range profiler measured per kernel, and what the
/// analysis makes of it per op and per module (measured FLOPs, measured ÷ analytic, DRAM bytes, roofline).
/// Plain values, no CUDA types: the arithmetic is tested on the CPU with recorded counter values
/// (src/gpu/counter_math.h); only cuda/range_profiler.cpp fills KernelCounters from a device.
///
/// Units: FLOPs here are real floating-point operations (2 per multiply-add), as in gpu.h's GpuCost::flops.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "flopscope/errors.h"
#include "flopscope/gpu.h"

namespace flopscope::gpu {

/// The counter pass cannot run or a metric configuration is invalid; the message is the one-line reason
/// ("counters are restricted to admin users ...", "metric ... does not exist on GH100").
struct CounterUnavailable : Error {
  using Error::Error;
};

/// CUDA-core floating-point instructions of one precision, counted per thread with the predicate on
/// (smsp__sass_thread_inst_executed_op_{d,f,h}{add,mul,fma}_pred_on.sum).
struct CoreInstructions {
  double add = 0, mul = 0, fma = 0;
};

/// One range of the counter pass: one kernel launch (auto range), in launch order.
struct KernelCounters {
  std::size_t range = 0;      ///< index in the counter pass, = launch order
  std::string name;           ///< kernel name seen at launch in the counter pass ("" when not recorded)
  std::int32_t grid[3] = {0, 0, 0};  ///< grid seen at launch in the counter pass (0s when not recorded)
  CoreInstructions fp64, fp32, fp16;
  /// Tensor-core math operations by source dtype ("bf16", "fp16", "tf32", "fp8", "fp64", "int8"), as
  /// sm__ops_path_tensor_src_*.sum reports them (unit math_op).
  std::map<std::string, double> tensor_ops;
  double dram_read_bytes = 0, dram_write_bytes = 0;
  /// gpu__time_duration.sum in ns. Kernels are serialised and replayed in this pass: informative only, the
  /// timing pass's durations are the ones to use.
  double duration_ns = 0;
  /// FLOPs per tensor-core math op (CounterReport::tensor_factor.flops_per_op): tensor_ops times this are FLOPs.
  double flops_per_tensor_op = 1;
  /// Every evaluated metric by its full name, for the JSON report and debugging.
  std::map<std::string, double> metrics;
};

/// How the counter pass's ranges lined up with the timing pass's kernels.
struct JoinSummary {
  std::size_t ranges = 0, kernels = 0;
  std::size_t joined = 0;
  std::size_t unmatched_ranges = 0;   ///< ranges no timing kernel was found for (skipped while resyncing)
  std::size_t unmatched_kernels = 0;  ///< timing kernels no range was found for
  std::vector<std::string> mismatches;  ///< the first few, one line each: "range 12: name a vs b"
};

/// What the counters say about one op key or one module (its whole subtree), per forward.
struct MeasuredCost {
  double kernels = 0;               ///< joined kernels
  double flops = 0;                 ///< measured floating-point operations: CUDA cores + tensor cores
  /// measured FLOPs by PeakSet precision class: "fp64", "fp32", "fp16" (CUDA cores), "fp64_tc",
  /// "tf32_tc", "fp16_tc", "bf16_tc", "fp8_tc"
  std::map<std::string, double> flops_by_class;
  double int_ops = 0;               ///< integer tensor-core operations (int8), not FLOPs
  double dram_read_bytes = 0, dram_write_bytes = 0;
  double analytic_flops = 0;        ///< from the formulas, 2 per MAC
  double ratio = -1;                ///< flops / analytic_flops; -1 when there is no analytic count
  double kernel_ns = 0;             ///< from the timing pass (median per forward); 0 when unknown
  double intensity = -1;            ///< flops / DRAM bytes; -1 without DRAM bytes
  std::string bound;                ///< "memory", "compute", or "" when no peak is known
  double ridge = 0;                 ///< FLOP/byte where the roofs meet for this cost's precision mix
  double attainable_flops_per_s = 0;  ///< the roofline at this intensity
  double achieved_flops_per_s = 0;    ///< flops / kernel time; 0 when the time is unknown
  double bound_share = -1;          ///< achieved / attainable; -1 when either is unknown
};

/// An op or module whose measured ÷ analytic ratio is outside the tolerance.
struct RatioOutlier {
  std::string kind;    ///< "op" or "module"
  std::string name;    ///< op key or module path ("" = root)
  double ratio = -1;   ///< -1: no analytic count
  std::string reason;  ///< the likely reason, a heuristic
};

/// The counter pass's result.
/// How many FLOPs one tensor-core "math op" is. CUPTI's metric description and NVIDIA's forums point to one; no
/// NVIDIA page states it, so the run settles it where it can: the bf16 tensor counter's peak_sustained per SM per
/// cycle against the architecture's dense BF16 FLOP per SM per clock (4096 on Hopper: factor 1; 2048: factor 2).
struct TensorOpFactor {
  double flops_per_op = 1;              ///< the factor used
  double ops_per_sm_cycle = 0;          ///< what the counter's peak_sustained reads per SM per cycle; 0: not read
  double table_flops_per_sm_clock = 0;  ///< the peak table's dense BF16 tensor FLOP per SM per clock; 0: unknown
  std::string reason;                   ///< why this factor, one line
};

struct CounterReport {
  bool ran = false;
  std::string skipped_reason;       ///< why not, when !ran: one line, says what to do
  std::string chip;                 ///< "GH100"
  std::vector<std::vector<std::string>> configs;  ///< the metric configurations, one counter pass each
  std::vector<int> passes;          ///< replay passes per configuration
  std::vector<std::string> notes;   ///< plan and collection notes: dtypes without a counter, dropped ranges
  TensorOpFactor tensor_factor;
  std::vector<KernelCounters> kernels;
  JoinSummary join;
  PeakSet peaks;
  double ratio_tolerance = 0.1;     ///< |ratio - 1| above this makes an outlier
  std::map<std::string, MeasuredCost> by_module;  ///< module path ("" = root) -> its subtree
  std::map<std::string, MeasuredCost> by_op;      ///< op key -> cost
  MeasuredCost total;
  std::vector<RatioOutlier> outliers;
};

}  // namespace flopscope::gpu
