#pragma once
// The counter pass's arithmetic, on plain values so it is tested on the CPU with recorded counter values:
// FLOPs from instruction and tensor-op counts, the join of ranges to the timing pass's kernels, per-op and
// per-module sums, measured ÷ analytic ratios with likely reasons, and the roofline classification.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "flopscope/counters.h"
#include "flopscope/gpu.h"

namespace flopscope::gpu {

/// FLOPs per tensor-core math op as sm__ops_path_tensor_src_*.sum counts them. Third parties report that
/// these counters read 2 math ops per multiply-add (an n^3-MAC GEMM reads 2n^3), i.e. one op per FLOP.
/// Verified on a device by scripts/gpu-check.sh (step validate-ops-linear: the bf16 linear
/// [4096,4096] x [4096,4096] case must show ratio 1, i.e. the counter reads 2*4096^3); if it shows 0.5 the
/// counter reads 1 op per MAC and this constant becomes 2. The counter pass settles it per run where it can
/// (settle_tensor_factor); this is the value it starts from and falls back to.
inline constexpr double kFlopsPerTensorMathOp = 1.0;

/// add + mul + 2*fma: the CUPTI mapping of flop_count_{dp,sp,hp}.
double core_flops(const CoreInstructions& c);

/// One kernel's measured FLOPs by PeakSet precision class ("fp64", "fp32", "fp16", "bf16_tc", "fp16_tc",
/// "tf32_tc", "fp8_tc", "fp64_tc"); zero classes are left out. int8 is not a FLOP class: see int_ops.
std::map<std::string, double> flops_by_class(const KernelCounters& k);
double measured_flops(const KernelCounters& k);
double int_ops(const KernelCounters& k);

/// Which timing kernel each range is, and how well the two passes lined up.
struct RangeJoin {
  std::vector<long> kernel_of_range;  ///< index into the timing kernels given, -1 when unmatched
  JoinSummary summary;
};

/// Joins the counter pass's ranges (launch order) to one forward's kernels from the timing pass, taken in
/// launch order (by correlation id). Range i pairs with the i-th kernel when the names agree (a range with
/// no recorded name matches any) and the grids agree (an all-zero grid matches any). On a mismatch it looks
/// up to `resync_window` places ahead on either side for the next agreeing pair and skips the ones between;
/// each mismatch is reported in the summary (at most 10 lines).
/// FLOPs per tensor math op from the bf16 tensor counter's peak_sustained (per cycle, all SMs), the SM count and
/// the peak table's dense BF16 FLOP per SM per clock: 1 when they agree, 2 when the counter reads half; otherwise,
/// or when something is unknown, 1 with the reason.
TensorOpFactor settle_tensor_factor(double peak_sustained_per_cycle, int sms, double table_flops_per_sm_clock);

/// Kernel names and grids from the counter pass's launch log onto its ranges, range r from launch r, when both
/// counts agree. When they differ, every later name would sit on the wrong kernel: none is attached (the join then
/// checks order only) and `notes` says so.
void attach_launches(std::vector<KernelCounters>& ranges, const std::vector<KernelCounters>& launches,
                     std::vector<std::string>& notes);

RangeJoin join_ranges(const std::vector<KernelCounters>& ranges, const std::vector<KernelRecord>& kernels,
                      std::size_t resync_window = 8);

/// Who launched a timing kernel: the same op -> module attribution the timing pass uses.
struct KernelOwner {
  bool attributed = false;  ///< false: no op was found for the kernel
  std::string op_key;       ///< the counted op's key ("linear", "conv", ...) or its name when it has no formula
  std::string module;       ///< canonical module path, "" = root
};

/// Fills the roofline fields of `cost` (intensity, bound, ridge, attainable, achieved, bound_share) from its
/// flops, DRAM bytes and kernel time. The compute roof of a precision mix is the harmonic one: the FLOPs
/// divided by the time they need at each class's peak. Classes without a peak are left out of the mix.
void classify_roofline(MeasuredCost& cost, const PeakSet& peaks);

/// The likely reason an op's or module's ratio is off, from its key and measurements (a heuristic):
/// no formula, padded tiles, a different algorithm (Winograd/FFT), recomputation, uncounted units.
std::string likely_reason(const std::string& key, const MeasuredCost& cost, double tolerance);

/// The counter report's body: per-kernel counters summed per op key and per module subtree (every ancestor
/// of the owning module gets the kernel), joined with the analytic FLOPs and median kernel times of the
/// timing report (`timing.by_module[path].flops`, `.kernel_ns.median`; by_op likewise), classified on the
/// roofline, with the outliers whose |ratio - 1| > tolerance. `owners` is indexed like the timing kernels
/// given to join_ranges. Fills by_module, by_op, total, outliers, join, kernels, peaks and ratio_tolerance.
void aggregate_counters(CounterReport& report, const RangeJoin& join, const std::vector<KernelOwner>& owners,
                        const GpuReport& timing, const PeakSet& peaks, double tolerance = 0.1);

}  // namespace flopscope::gpu
