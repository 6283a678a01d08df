// The GPU pass: after the analytic forward on a CUDA device, time the same forward under CUPTI and join every
// kernel to its op and module. Anything that keeps CUPTI from tracing is a reason in the report, never an
// error: the analytic report stands on its own.
#include "gpu/gpu_pass.h"

#include "gpu/counter_pass.h"

#include <ATen/Context.h>

#include "gpu/peak_table.h"
#include "flopscope/device.h"
#include "gpu/measured_peak.h"
#include "gpu/precision.h"
#include "gpu/ranges.h"
#include "gpu/statistics.h"
#include "gpu/timing_pass.h"
#include "gpu/cuda_backend.h"

namespace flopscope::gpu {
namespace {

// The probed description of the device the model runs on (its index, or the current one).
const CudaDevice* find_device(const CudaStatus& status, c10::Device device) {
  const int index = device.has_index() ? device.index() : 0;
  for (const auto& d : status.devices)
    if (d.index == index) return &d;
  return nullptr;
}

}  // namespace

void run_gpu_pass(ComplexityInfo& info, const Trace& trace, const OpSet& ops, c10::Device device,
                  const std::function<void()>& forward, const Options& options) {
  gpu::GpuReport& report = info.analysis.gpu;
  if (!options.gpu.timing) {
    report.skipped_reason = "the timing pass was turned off (--no-gpu-timing)";
    if (options.gpu.counters)
      info.analysis.counters.skipped_reason = "the counter pass is joined to the timing pass, which was turned off";
    return;
  }
  gpu::TracerOrReason opened = cuda::open_activity_tracer();
  if (!opened.tracer) {
    report.skipped_reason = opened.reason;
    if (options.gpu.counters)
      info.analysis.counters.skipped_reason = "the counter pass needs the timing pass, which could not trace: " + opened.reason;
    return;
  }
  const CudaStatus status = probe_cuda();
  const CudaDevice* probed = find_device(status, device);

  gpu::PeakSet peaks;
  if (options.gpu.measured_peaks)
    peaks = gpu::measure_peaks(device);
  else if (probed != nullptr)
    peaks = gpu::table_peaks(*probed);

  auto& ctx = at::globalContext();
  const gpu::Float32Modes modes{ctx.allowTF32CuDNN(at::Float32Op::CONV), ctx.allowTF32CuBLAS()};
  const auto precision = gpu::precision_classes(trace, modes);

  gpu::TimingOptions timing;
  timing.warmup = options.gpu.warmup;
  timing.forwards = options.gpu.forwards;
  timing.train_step = info.analysis.train_step;  // `forward` runs the whole step
  const double plain_ms = gpu::plain_forward_ms(device, forward, timing.warmup, timing.forwards);

  // NVTX calls are no-ops without a tool, but nesting module ranges is not free: only when one listens.
  std::unique_ptr<gpu::RangeSink> sink =
      options.gpu.nvtx && cuda::nvtx_tool_attached() ? cuda::make_nvtx_ranges() : nullptr;
  std::optional<gpu::RangeNester> nester;
  if (sink) nester.emplace(*sink);
  gpu::TimingRecording recording =
      gpu::run_timing_pass(trace, *opened.tracer, nester ? &*nester : nullptr, device, forward, timing);

  const gpu::GpuJoin join = gpu::join_recording(trace, ops, recording);
  report = gpu::gpu_report(trace, ops, info.analysis.flops, precision, recording, peaks, join,
                           info.analysis.train_step ? &info.analysis.backward : nullptr);
  report.ran = true;
  report.forwards = timing.forwards;
  report.warmup = timing.warmup;
  report.plain_forward_ms = plain_ms;
  if (probed != nullptr) report.device_name = probed->name;
  if (options.gpu.chrome_trace)
    info.analysis.timeline = std::make_shared<const KernelTimeline>(KernelTimeline{trace, recording, join});
  if (options.gpu.counters) {
    // The range profiler and activity tracing conflict in one session: give CUPTI's subscription back first.
    opened.tracer.reset();
    run_counter_pass(info, trace, precision, recording, join, forward, options);
  }
}

}  // namespace flopscope::gpu
