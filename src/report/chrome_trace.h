#pragma once
// The timing pass as a Chrome trace (Trace Event Format, opens in Perfetto and chrome://tracing): a CPU
// process with the forwards, module ranges and op ranges, one GPU process per device with a thread per
// stream holding its kernels, memcpys and memsets, and a flow arrow from each launching op to its kernel.
#include <string>

#include <nlohmann/json.hpp>

#include "flopscope/gpu.h"
#include "flopscope/op_record.h"

namespace flopscope::report {

/// pid of the CPU process; a GPU device d is pid kChromeGpuPidBase + d, its stream s is tid s.
constexpr int kChromeCpuPid = 0;
constexpr int kChromeGpuPidBase = 1;
/// tids in the CPU process: the recorded forwards, and the module ranges with the op ranges nested inside.
constexpr int kChromeForwardTid = 0;
constexpr int kChromeOpTid = 1;

/// The trace as a JSON object {"traceEvents": [...], "displayTimeUnit": "ns"}. Timestamps are µs from the
/// earliest record. A module's range in a forward runs from the start of its first top-level op to the end
/// of its last; a module whose ops are interleaved with another's gets one range per unbroken run, so ranges
/// always nest. Kernels carry args {op (the owner op), launched_by, module, correlation, grid, block}.
nlohmann::json chrome_trace_json(const Trace& trace, const gpu::TimingRecording& recording, const gpu::GpuJoin& join);

/// chrome_trace_json, serialized (compact, ending in a newline).
std::string render_chrome_trace(const Trace& trace, const gpu::TimingRecording& recording, const gpu::GpuJoin& join);

}  // namespace flopscope::report
