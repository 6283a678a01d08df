#pragma once
// Why CUPTI could not be used, in words a user can act on: one table of CUptiResult names and one of causes,
// for the activity tracer and the counter pass alike (docs/gpu.md "Degrading cleanly"). Pure text: no CUPTI
// types, so tests check every mapping without a library or a GPU.
#include <optional>
#include <string>

namespace flopscope::gpu {

/// The CUptiResult name of `code` (CUPTI 13.0's cupti_result.h), "CUPTI error" for codes it does not know.
std::string cupti_result_name(int code);

/// The cause behind `code` and what to do about it. `admin_only` is the driver's RmProfilingAdminOnly when
/// known, `other_tool` the client cuptiSubscribe_v2 named as already attached ("" when unknown).
std::string cupti_cause(int code, std::optional<bool> admin_only = std::nullopt, const std::string& other_tool = "");

/// The activity tracer's line for a failed call: "<cause>: <call> returned <NAME> (<code>)". `code_name` is
/// the library's name for the code ("" when it could not say).
std::string cupti_failure_reason(const std::string& call, int code, const std::string& code_name,
                                 const std::string& other_tool = "");

/// The counter pass's line: "hardware counters unavailable: <cause> [<NAME> (<code>) from <step>]".
std::string counter_error_reason(int code, const std::string& step, std::optional<bool> admin_only = std::nullopt);

/// RmProfilingAdminOnly from the text of /proc/driver/nvidia/params ("RmProfilingAdminOnly: 1"); nullopt
/// when absent.
std::optional<bool> parse_profiling_admin_only(const std::string& params_text);

/// Reads /proc/driver/nvidia/params; nullopt when it cannot be read (no driver, a sandbox).
std::optional<bool> read_profiling_admin_only();

}  // namespace flopscope::gpu
