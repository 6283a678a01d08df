#pragma once
// Why CUPTI could not be used, in words a user can act on. Pure text: no CUPTI types, so tests can check
// every mapping without a library or a GPU.
#include <string>

namespace flopscope::gpu {

/// One line for a failed CUPTI call: the cause with its fix, then "<call> returned <NAME> (<code>)".
/// `code` is the CUptiResult, `code_name` the library's name for it ("" when unknown), `other_tool` the
/// name cuptiSubscribe_v2 gave for an attached client ("" when unknown).
std::string cupti_failure_reason(const std::string& call, int code, const std::string& code_name,
                                 const std::string& other_tool = "");

/// The CUptiResult names of the codes flopscope explains, for when the library cannot name them.
std::string cupti_result_name(int code);

}  // namespace flopscope::gpu
