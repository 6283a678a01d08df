#pragma once
// The analysis validate-ops runs for each case's analytic count: counting only. The counters are the case's own
// range-profiler run; a timing pass (warm-ups and ten recorded forwards under CUPTI) would be thrown away.
#include <vector>

#include "flopscope/complexity.h"
#include "flopscope/validate_ops.h"

namespace flopscope::gpu {

Options case_analysis_options(const ValidateOpsOptions& options, std::vector<c10::IValue> inputs);

}  // namespace flopscope::gpu
