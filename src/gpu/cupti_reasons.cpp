// The names of CUPTI's result codes (CUPTI 13.0 cupti_result.h: the one table, for the activity tracer and the
// counter pass alike) and the causes behind them (docs/gpu.md "Degrading cleanly").
#include "gpu/cupti_reasons.h"

namespace flopscope::gpu {

std::string cupti_result_name(int code) {
  switch (code) {
    case 0: return "CUPTI_SUCCESS";
    case 1: return "CUPTI_ERROR_INVALID_PARAMETER";
    case 2: return "CUPTI_ERROR_INVALID_DEVICE";
    case 3: return "CUPTI_ERROR_INVALID_CONTEXT";
    case 7: return "CUPTI_ERROR_INVALID_OPERATION";
    case 8: return "CUPTI_ERROR_OUT_OF_MEMORY";
    case 14: return "CUPTI_ERROR_NOT_COMPATIBLE";
    case 15: return "CUPTI_ERROR_NOT_INITIALIZED";
    case 17: return "CUPTI_ERROR_INVALID_METRIC_NAME";
    case 26: return "CUPTI_ERROR_HARDWARE_BUSY";
    case 27: return "CUPTI_ERROR_NOT_SUPPORTED";
    case 33: return "CUPTI_ERROR_VIRTUALIZED_DEVICE_NOT_SUPPORTED";
    case 35: return "CUPTI_ERROR_INSUFFICIENT_PRIVILEGES";
    case 36: return "CUPTI_ERROR_OLD_PROFILER_API_INITIALIZED";
    case 38: return "CUPTI_ERROR_LEGACY_PROFILER_NOT_SUPPORTED";
    case 39: return "CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED";
    case 40: return "CUPTI_ERROR_VIRTUALIZED_DEVICE_INSUFFICIENT_PRIVILEGES";
    case 41: return "CUPTI_ERROR_CONFIDENTIAL_COMPUTING_NOT_SUPPORTED";
    case 42: return "CUPTI_ERROR_CMP_DEVICE_NOT_SUPPORTED";
    case 43: return "CUPTI_ERROR_MIG_DEVICE_NOT_SUPPORTED";
    case 44: return "CUPTI_ERROR_SLI_DEVICE_NOT_SUPPORTED";
    case 45: return "CUPTI_ERROR_WSL_DEVICE_NOT_SUPPORTED";
    case 46: return "CUPTI_ERROR_INVALID_CHIP_NAME";
    case 999: return "CUPTI_ERROR_UNKNOWN";
    default: return "CUPTI error";
  }
}

std::string cupti_failure_reason(const std::string& call, int code, const std::string& code_name,
                                 const std::string& other_tool) {
  std::string cause;
  switch (code) {
    case 39:
      cause = other_tool.empty()
                  ? "another CUPTI client is attached (Nsight Systems, Nsight Compute, compute-sanitizer, the PyTorch "
                    "profiler or DCGM); run without it"
                  : "another CUPTI client is attached (" + other_tool + "); run without it";
      break;
    case 35:
      cause = "insufficient privileges for CUPTI (the driver restricts profiling to administrators: run as root or "
              "with CAP_PERFMON, or set NVreg_RestrictProfilingToAdminUsers=0)";
      break;
    case 33: case 40: cause = "CUPTI does not support this virtualized GPU (vGPU or passthrough without profiling)"; break;
    case 41: cause = "CUPTI is unavailable under confidential computing"; break;
    case 43: cause = "CUPTI does not support this MIG instance; use a whole GPU"; break;
    case 42: case 44: case 45: cause = "CUPTI does not support this device configuration (CMP, SLI or WSL)"; break;
    case 15: cause = "CUPTI could not initialise (sandboxed driver such as gVisor, or libnvperf missing)"; break;
    case 14: cause = "CUPTI is not compatible with the installed driver; update the driver or use a matching CUPTI"; break;
    case 26: cause = "the GPU's profiling hardware is busy (DCGM or another profiler holds it)"; break;
    case 8: cause = "CUPTI ran out of memory"; break;
    default: cause = "CUPTI failed"; break;
  }
  std::string name = code_name.empty() || code_name == "CUPTI error" ? cupti_result_name(code) : code_name;
  return cause + ": " + call + " returned " + name + " (" + std::to_string(code) + ")";
}

}  // namespace flopscope::gpu
