#pragma once
// CUPTI activity records reduced to flopscope's plain values (flopscope/gpu.h). Separate from the tracer so
// tests can feed hand-built records laid out as cupti_activity.h documents them.
#include <cupti_activity.h>

#include "flopscope/gpu.h"

namespace flopscope::cuda {

/// Appends `record` to `log` if it is a kind flopscope uses: CONCURRENT_KERNEL or KERNEL (read as
/// CUpti_ActivityKernel10), RUNTIME or DRIVER (CUpti_ActivityAPI), MEMCPY (CUpti_ActivityMemcpy6), MEMSET
/// (CUpti_ActivityMemset4), EXTERNAL_CORRELATION of kind CUSTOM0. Returns false for anything else, which is
/// skipped (other external-correlation kinds belong to other tools).
bool convert_record(const CUpti_Activity* record, gpu::ActivityLog& log);

}  // namespace flopscope::cuda
