#include "gpu/counter_errors.h"

#include "gpu/cupti_reasons.h"

#include <fstream>
#include <sstream>

namespace flopscope::gpu {
namespace {

// CUptiResult values (cupti_result.h, CUDA 13.0), spelled out so this file needs no CUDA header.
enum : int {
  kInvalidParameter = 1,
  kInvalidDevice = 2,
  kInvalidContext = 3,
  kInvalidOperation = 7,
  kOutOfMemory = 8,
  kNotCompatible = 14,
  kNotInitialized = 15,
  kInvalidMetricName = 17,
  kHardwareBusy = 26,
  kNotSupported = 27,
  kVirtualized = 33,
  kInsufficientPrivileges = 35,
  kOldProfilerApi = 36,
  kLegacyProfiler = 38,
  kMultipleSubscribers = 39,
  kVirtualizedPrivileges = 40,
  kConfidentialComputing = 41,
  kCmp = 42,
  kMig = 43,
  kSli = 44,
  kWsl = 45,
  kInvalidChipName = 46,
  kUnknown = 999,
};

std::string explanation(int code, std::optional<bool> admin_only) {
  switch (code) {
    case kInsufficientPrivileges:
      return std::string("counters are restricted to admin users (NVreg_RestrictProfilingToAdminUsers=1") +
             (admin_only ? (*admin_only ? ", RmProfilingAdminOnly: 1" : ", although RmProfilingAdminOnly reads 0") : "") +
             "): run as root / CAP_PERFMON or set the option to 0";
    case kHardwareBusy:
      return "another profiler holds the counters (DCGM, ncu, nsys...): stop it (e.g. dcgmi profile --pause) and "
             "run again";
    case kMultipleSubscribers:
      return "another CUPTI client is attached to this process (nsys, ncu, compute-sanitizer, the PyTorch "
             "profiler): run without it";
    case kNotInitialized:
      return "CUPTI's profiler could not start: a sandboxed driver (gVisor nvproxy without the profiling "
             "capability?), a driver older than CUDA 13, or libnvperf_host.so/libnvperf_target.so not found next "
             "to libcupti";
    case kUnknown:
      return "CUPTI's profiler failed without a reason (no usable driver, or a sandbox that blocks the "
             "profiling ioctls)";
    case kVirtualized:
    case kVirtualizedPrivileges:
      return "the GPU is virtualised (vGPU) and profiling is not enabled for this VM: ask the host administrator "
             "to enable vGPU profiling";
    case kConfidentialComputing: return "confidential computing is on: hardware counters are disabled";
    case kCmp: return "crypto-mining processors do not support profiling";
    case kMig:
      return "the device is a MIG instance: counters need a full GPU or a MIG instance that owns its compute "
             "instance";
    case kSli: return "SLI is enabled: profiling is not supported";
    case kWsl: return "WSL does not support hardware counters on this driver";
    case kOldProfilerApi:
    case kLegacyProfiler:
      return "the legacy profiling API is in use in this process (an older tool or library): counters need it "
             "off";
    case kInvalidChipName:
    case kNotSupported:
    case kNotCompatible:
      return "this GPU or driver does not support CUPTI's range profiler (needs compute capability 7.0+ and a "
             "CUDA 13 driver)";
    case kInvalidParameter:
    case kInvalidMetricName:
      return "a requested metric does not exist on this chip";
    case kOutOfMemory: return "not enough memory for the counter data: profile fewer kernels per pass";
    case kInvalidOperation:
      return "CUPTI refused the operation (too many ranges for one pass, or a CUDA graph/cooperative launch)";
    case kInvalidContext:
    case kInvalidDevice: return "no usable CUDA context on the device";
    default: return "CUPTI's profiler failed";
  }
}

}  // namespace

std::string counter_error_reason(int code, const std::string& step, std::optional<bool> admin_only) {
  return "hardware counters unavailable: " + explanation(code, admin_only) + " [" + cupti_result_name(code) + " (" +
         std::to_string(code) + ") from " + step + "]";
}

std::optional<bool> parse_profiling_admin_only(const std::string& params_text) {
  std::istringstream in(params_text);
  std::string line;
  while (std::getline(in, line)) {
    const std::string key = "RmProfilingAdminOnly:";
    if (line.rfind(key, 0) != 0) continue;
    std::istringstream value(line.substr(key.size()));
    long v = 0;
    if (value >> v) return v != 0;
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<bool> read_profiling_admin_only() {
  std::ifstream f("/proc/driver/nvidia/params");
  if (!f) return std::nullopt;
  std::stringstream text;
  text << f.rdbuf();
  return parse_profiling_admin_only(text.str());
}

}  // namespace flopscope::gpu
