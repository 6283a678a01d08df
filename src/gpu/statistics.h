#pragma once
// The timing pass's arithmetic: kernel and memory time per recorded forward, summed per module (inclusive:
// a kernel counts for its owner op's module and every module above it) and per op type, set against the
// analytic FLOPs and the device's peaks.
//
// Time is summed, never unioned: kernels that overlap on several streams each add their full duration, so
// a module's kernel time can exceed its wall time, and the forward's idle time (wall - kernel) is then
// shown as 0.
#include <cstdint>
#include <string>
#include <vector>

#include "flopscope/analysis.h"
#include "flopscope/gpu.h"
#include "flopscope/op_record.h"
#include "flopscope/op_set.h"
#include "gpu/join.h"

namespace flopscope::gpu {

/// Median (mean of the two middle values for an even count), minimum and maximum; zeros when empty.
Spread spread_of(std::vector<double> values);

/// owner_ops and attribute_activity for one recording with one op set.
GpuJoin join_recording(const Trace& trace, const OpSet& op_set, const TimingRecording& recording);

/// MACs of every op the counting stage counts (an op that is its own owner and has a flops formula in
/// `op_set`), from that formula; 0 for every other op and for a formula that rejects its shapes. Summed
/// over a module's subtree this is the analysis's StatResult total for the module.
std::vector<Count> op_macs(const Trace& trace, const OpSet& op_set, const std::vector<std::int32_t>& owners);

/// The GpuReport of one recording. `flops` is the analysis's flops StatResult (MACs); `precision` holds one
/// peak key per trace op ("fp32", "bf16_tc", ...; see PeakSet), used for the ops that have MACs;
/// `peaks` supplies the denominators of peak_share. device_name is left for the caller.
/// `backward` (a training step's, placed on modules): each recording is a step; ops marked OpRecord::backward
/// go to backward_by_module with these MACs, the others to by_module with `flops`'.
GpuReport gpu_report(const Trace& trace, const OpSet& op_set, const StatResult& flops,
                     const std::vector<std::string>& precision, const TimingRecording& recording,
                     const PeakSet& peaks, const GpuJoin& join, const StatResult* backward = nullptr);
/// The same, joining the recording first.
GpuReport gpu_report(const Trace& trace, const OpSet& op_set, const StatResult& flops,
                     const std::vector<std::string>& precision, const TimingRecording& recording,
                     const PeakSet& peaks, const StatResult* backward = nullptr);

}  // namespace flopscope::gpu
