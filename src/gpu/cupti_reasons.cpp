// The names of CUPTI's result codes and the causes behind them: the one table each (see cupti_reasons.h).
#include "gpu/cupti_reasons.h"

#include <fstream>
#include <sstream>

namespace flopscope::gpu {
namespace {

// CUptiResult values (cupti_result.h, CUDA 13.0), spelled out so this file needs no CUDA header.
enum : int {
  kSuccess = 0,
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

}  // namespace

std::string cupti_result_name(int code) {
  switch (code) {
    case kSuccess: return "CUPTI_SUCCESS";
    case kInvalidParameter: return "CUPTI_ERROR_INVALID_PARAMETER";
    case kInvalidDevice: return "CUPTI_ERROR_INVALID_DEVICE";
    case kInvalidContext: return "CUPTI_ERROR_INVALID_CONTEXT";
    case kInvalidOperation: return "CUPTI_ERROR_INVALID_OPERATION";
    case kOutOfMemory: return "CUPTI_ERROR_OUT_OF_MEMORY";
    case kNotCompatible: return "CUPTI_ERROR_NOT_COMPATIBLE";
    case kNotInitialized: return "CUPTI_ERROR_NOT_INITIALIZED";
    case kInvalidMetricName: return "CUPTI_ERROR_INVALID_METRIC_NAME";
    case kHardwareBusy: return "CUPTI_ERROR_HARDWARE_BUSY";
    case kNotSupported: return "CUPTI_ERROR_NOT_SUPPORTED";
    case kVirtualized: return "CUPTI_ERROR_VIRTUALIZED_DEVICE_NOT_SUPPORTED";
    case kInsufficientPrivileges: return "CUPTI_ERROR_INSUFFICIENT_PRIVILEGES";
    case kOldProfilerApi: return "CUPTI_ERROR_OLD_PROFILER_API_INITIALIZED";
    case kLegacyProfiler: return "CUPTI_ERROR_LEGACY_PROFILER_NOT_SUPPORTED";
    case kMultipleSubscribers: return "CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED";
    case kVirtualizedPrivileges: return "CUPTI_ERROR_VIRTUALIZED_DEVICE_INSUFFICIENT_PRIVILEGES";
    case kConfidentialComputing: return "CUPTI_ERROR_CONFIDENTIAL_COMPUTING_NOT_SUPPORTED";
    case kCmp: return "CUPTI_ERROR_CMP_DEVICE_NOT_SUPPORTED";
    case kMig: return "CUPTI_ERROR_MIG_DEVICE_NOT_SUPPORTED";
    case kSli: return "CUPTI_ERROR_SLI_DEVICE_NOT_SUPPORTED";
    case kWsl: return "CUPTI_ERROR_WSL_DEVICE_NOT_SUPPORTED";
    case kInvalidChipName: return "CUPTI_ERROR_INVALID_CHIP_NAME";
    case kUnknown: return "CUPTI_ERROR_UNKNOWN";
    default: return "CUPTI error";
  }
}

std::string cupti_cause(int code, std::optional<bool> admin_only, const std::string& other_tool) {
  switch (code) {
    case kInsufficientPrivileges:
      return std::string("insufficient privileges: the driver restricts profiling to admin users "
                         "(NVreg_RestrictProfilingToAdminUsers=1") +
             (admin_only ? (*admin_only ? ", RmProfilingAdminOnly: 1" : ", although RmProfilingAdminOnly reads 0") : "") +
             "): run as root / CAP_PERFMON or set the option to 0";
    case kHardwareBusy:
      return "the profiling hardware is busy: another profiler holds the counters (DCGM, ncu, nsys...): stop it "
             "(e.g. dcgmi profile --pause) and run again";
    case kMultipleSubscribers:
      return other_tool.empty()
                 ? "another CUPTI client is attached to this process (Nsight Systems, Nsight Compute, "
                   "compute-sanitizer, the PyTorch profiler or DCGM): run without it"
                 : "another CUPTI client is attached to this process (" + other_tool + "): run without it";
    case kNotInitialized:
      return "CUPTI could not initialise: a sandboxed driver (gVisor nvproxy without the profiling capability?), "
             "a driver older than CUDA 13, or libnvperf_host.so/libnvperf_target.so not found next to libcupti";
    case kUnknown:
      return "CUPTI failed without a reason (no usable driver, or a sandbox that blocks the profiling ioctls)";
    case kVirtualized:
    case kVirtualizedPrivileges:
      return "the GPU is virtualized (vGPU) and profiling is not enabled for this VM: ask the host administrator "
             "to enable vGPU profiling";
    case kConfidentialComputing: return "confidential computing is on: CUPTI and hardware counters are disabled";
    case kCmp: return "crypto-mining processors do not support profiling";
    case kMig:
      return "the device is a MIG instance: CUPTI needs a full GPU or a MIG instance that owns its compute instance";
    case kSli: return "SLI is enabled: profiling is not supported";
    case kWsl: return "WSL does not support CUPTI's profiling on this driver";
    case kOldProfilerApi:
    case kLegacyProfiler:
      return "the legacy profiling API is in use in this process (an older tool or library): counters need it off";
    case kInvalidChipName:
    case kNotSupported:
    case kNotCompatible:
      return "this GPU or driver does not support CUPTI's range profiler (needs compute capability 7.0+ and a "
             "CUDA 13 driver matching the CUPTI library)";
    case kInvalidParameter:
    case kInvalidMetricName:
      return "a requested metric does not exist on this chip";
    case kOutOfMemory: return "CUPTI ran out of memory: profile fewer kernels per pass";
    case kInvalidOperation:
      return "CUPTI refused the operation (too many ranges for one pass, or a CUDA graph/cooperative launch)";
    case kInvalidContext:
    case kInvalidDevice: return "no usable CUDA context on the device";
    default: return "CUPTI failed";
  }
}

std::string cupti_failure_reason(const std::string& call, int code, const std::string& code_name,
                                 const std::string& other_tool) {
  std::string name = code_name.empty() || code_name == "CUPTI error" ? cupti_result_name(code) : code_name;
  return cupti_cause(code, std::nullopt, other_tool) + ": " + call + " returned " + name + " (" +
         std::to_string(code) + ")";
}

std::string counter_error_reason(int code, const std::string& step, std::optional<bool> admin_only) {
  return "hardware counters unavailable: " + cupti_cause(code, admin_only) + " [" + cupti_result_name(code) + " (" +
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
