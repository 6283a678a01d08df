#pragma once
// Why the counter pass could not run, in one line that says what to do (issue #6 item 5). Pure functions of
// CUPTI result codes and the driver's parameter file, so every reason is tested on the CPU.
#include <optional>
#include <string>

namespace flopscope::gpu {

/// The reason for CUPTI result `code` (CUptiResult's value) returned by `step` ("cuptiProfilerInitialize",
/// ...). `admin_only` is the driver's RmProfilingAdminOnly when known. Names the code, e.g.
/// "hardware counters unavailable: counters are restricted to admin users (NVreg_RestrictProfilingToAdminUsers=1):
///  run as root / CAP_PERFMON or set the option to 0 [CUPTI_ERROR_INSUFFICIENT_PRIVILEGES (35) from cuptiRangeProfilerStart]".
std::string counter_error_reason(int code, const std::string& step, std::optional<bool> admin_only = std::nullopt);

/// RmProfilingAdminOnly from the text of /proc/driver/nvidia/params ("RmProfilingAdminOnly: 1"); nullopt
/// when absent.
std::optional<bool> parse_profiling_admin_only(const std::string& params_text);

/// Reads /proc/driver/nvidia/params; nullopt when it cannot be read (no driver, a sandbox).
std::optional<bool> read_profiling_admin_only();

}  // namespace flopscope::gpu
