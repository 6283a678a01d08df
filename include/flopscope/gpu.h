#pragma once
/// The GPU stage's vocabulary: what CUPTI's activity API delivered, reduced to plain values, and what the
/// timing pass makes of it. No CUDA or LibTorch types, so the join and the statistics are tested on the CPU
/// with hand-built or recorded records (`src/gpu/`); only `cuda/` turns CUPTI's records into these.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "flopscope/op_record.h"

namespace flopscope::gpu {

// ---- What the activity API delivered ------------------------------------------------------------------
// Timestamps are nanoseconds on CUPTI's clock (cuptiGetTimestamp), the same clock the host side stamps
// forwards and ops with.

/// One kernel execution (CUpti_ActivityKernel*).
struct KernelRecord {
  std::string name;               ///< as CUPTI gives it (mangled for C++ kernels)
  std::uint64_t start_ns = 0, end_ns = 0;
  std::uint32_t correlation = 0;  ///< the launching API call's correlation id
  std::uint32_t device = 0, context = 0, stream = 0;
  std::int32_t grid[3] = {0, 0, 0};
  std::int32_t block[3] = {0, 0, 0};
};

/// One memcpy or memset on the device (CUpti_ActivityMemcpy*, CUpti_ActivityMemset*).
struct MemoryRecord {
  enum class Kind : std::uint8_t { Memcpy, Memset };
  Kind kind = Kind::Memcpy;
  std::uint64_t start_ns = 0, end_ns = 0;
  std::uint64_t bytes = 0;
  std::uint32_t correlation = 0;
  std::uint8_t copy_kind = 0;     ///< CUpti_ActivityMemcpyKind for a memcpy (1 = HtoD, 2 = DtoH, 8 = DtoD ...)
  std::uint32_t device = 0, stream = 0;
};

/// One runtime or driver API call (CUpti_ActivityAPI): the launch that a correlation id names.
struct ApiRecord {
  bool driver = false;            ///< driver API (cuLaunchKernel...) rather than runtime (cudaLaunchKernel...)
  std::uint32_t cbid = 0;
  std::uint32_t correlation = 0;
  std::uint64_t start_ns = 0, end_ns = 0;
  std::uint32_t thread = 0;
};

/// CUpti_ActivityExternalCorrelation of kind CUSTOM0: the API call `correlation` was made while
/// `external_id` was on top of the thread's external-correlation stack.
struct ExternalCorrelation {
  std::uint32_t correlation = 0;
  std::uint64_t external_id = 0;
};

/// Every record of one tracing session, in whatever order the buffers arrived (CUPTI does not order them).
struct ActivityLog {
  std::vector<KernelRecord> kernels;
  std::vector<MemoryRecord> memory;
  std::vector<ApiRecord> api;
  std::vector<ExternalCorrelation> external;
  std::uint64_t dropped = 0;      ///< records CUPTI reported as dropped
};

/// The external id pushed while op `op` (its index in the captured Trace) runs in recorded forward
/// `forward` (0-based). 0 is never used, so a missing id is never mistaken for op 0 of forward 0.
constexpr std::uint64_t external_id(std::uint32_t forward, std::uint32_t op) {
  return (static_cast<std::uint64_t>(forward) + 1) << 32 | op;
}
constexpr std::uint32_t forward_of(std::uint64_t id) { return static_cast<std::uint32_t>((id >> 32) - 1); }
constexpr std::uint32_t op_of(std::uint64_t id) { return static_cast<std::uint32_t>(id & 0xffffffffu); }

// ---- What the host side saw -----------------------------------------------------------------------------

/// One recorded forward: its host span on CUPTI's clock and its device wall time from CUDA events.
struct ForwardWindow {
  std::uint64_t start_ns = 0, end_ns = 0;
  double event_ms = 0;            ///< cudaEventElapsedTime between events recorded before and after it
};

/// One op's host span in one recorded forward (for the Chrome trace).
struct HostOpSpan {
  std::uint32_t forward = 0;
  std::uint32_t op = 0;           ///< index into the Trace
  std::uint64_t start_ns = 0, end_ns = 0;
};

/// Everything the timing pass recorded.
struct TimingRecording {
  std::vector<ForwardWindow> forwards;
  std::vector<HostOpSpan> op_spans;
  ActivityLog activity;
  int warmup = 0;
};

// ---- The join of a recording to the trace (src/gpu/join.h makes it; the Chrome trace reads it) ----------

/// Where one device activity (kernel, memcpy or memset) came from.
struct ActivityOwner {
  bool attributed = false;      ///< false: no external id, or one that names no op of the trace
  std::uint32_t forward = 0;    ///< recorded forward (index into TimingRecording::forwards)
  std::int32_t launcher = -1;   ///< the innermost op: the one whose id was on top of the stack at launch
  std::int32_t owner = -1;      ///< the op its time is charged to (see owner_ops)
};

/// The join of an ActivityLog: one entry per record, parallel to the log's vectors.
struct Attribution {
  std::vector<ActivityOwner> kernels;   ///< parallel to ActivityLog::kernels
  std::vector<ActivityOwner> memory;    ///< parallel to ActivityLog::memory
  std::uint64_t unattributed_kernels = 0;
  std::uint64_t unattributed_memory = 0;
  /// External ids that named a forward or op outside the recording (bad input, never a crash).
  std::uint64_t bad_external_ids = 0;
};

/// Every trace op's owner op (the one its device time is charged to) and the attribution of every activity.
struct GpuJoin {
  std::vector<std::int32_t> owners;  ///< owner op of every trace op
  Attribution activity;
};

/// What the timing pass saw, kept in the analysis when a Chrome trace is asked for (GpuOptions::chrome_trace)
/// so that the trace is rendered from the result like every other report (report.h's render_chrome_trace).
struct KernelTimeline {
  Trace trace;                ///< the analytic capture's ops (names, modules, nesting), indexed by the recording
  TimingRecording recording;
  GpuJoin join;
};

// ---- Statistics -----------------------------------------------------------------------------------------

/// A quantity measured once per recorded forward.
struct Spread {
  double median = 0, min = 0, max = 0;
};

/// Device peaks the share-of-peak columns divide by, in FLOP/s (2 per MAC) and bytes/s.
struct PeakSet {
  std::string source;             ///< "table: H100 SXM (sm_90, 132 SMs at 1980 MHz)" or "measured: ..."
  /// Dense peaks by precision class: CUDA cores "fp64", "fp32", "fp16", "bf16"; tensor cores "fp64_tc",
  /// "tf32_tc", "fp16_tc", "bf16_tc", "fp8_tc", "int8_tc" (int8: ops/s). A class the chip lacks is absent.
  std::map<std::string, double> flops_per_s;
  double dram_bytes_per_s = 0;
};

/// The GPU cost of one module (its whole subtree) or one op type, per forward.
struct GpuCost {
  double kernels = 0;             ///< kernels launched per forward
  Spread kernel_ns;               ///< summed kernel time per forward
  Spread memcpy_ns, memset_ns;
  double flops = 0;               ///< analytic FLOPs, 2 per MAC
  double flops_per_s = 0;         ///< flops / median kernel time; 0 when no kernel ran
  double peak_share = -1;         ///< (time the flops need at the peak of each op's dtype) / median kernel
                                  ///< time; -1 when no peak is known
};

/// The timing pass's result.
struct GpuReport {
  bool ran = false;
  std::string skipped_reason;     ///< why not, when !ran
  std::string device_name;
  int forwards = 0, warmup = 0;
  Spread wall_ms;                 ///< per forward, CUDA events
  Spread kernel_ms;               ///< per forward, summed kernel time
  Spread idle_ms;                 ///< wall - kernel: launch overhead and host gaps
  double plain_forward_ms = 0;    ///< median of the same forward without any callback or tracer, same process:
                                  ///< wall_ms.median / plain_forward_ms is the timing pass's own cost
  double attributed_share = 0;    ///< share of kernel time joined to a module
  std::uint64_t unattributed_kernels = 0;
  PeakSet peaks;
  std::map<std::string, GpuCost> by_module;  ///< canonical module path ("" = root) -> cost of its subtree
  std::map<std::string, GpuCost> by_op;      ///< op key (the counted op's name) -> cost
  /// Each recorded "forward" was a training step (forward, loss, backward): by_module then holds the forward's
  /// costs and backward_by_module the backward's, each node's work on the module whose forward made it. A
  /// module's peak_share is its MFU against the peak of each op's dtype, over its own kernel time.
  bool train_step = false;
  std::map<std::string, GpuCost> backward_by_module;
  /// Model FLOPs utilisation of the whole forward (or step): the time its counted FLOPs need at the peak of each
  /// op's dtype over the median wall time; -1 when a peak is missing or nothing was counted.
  double mfu = -1;
};

}  // namespace flopscope::gpu
