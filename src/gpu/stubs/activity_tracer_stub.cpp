// Built when the CUDA toolkit is absent: no CUPTI, and the reason says so.
#include "gpu/tracer.h"

namespace flopscope::gpu {

TracerOrReason open_activity_tracer(const TracerOptions&) {
  return {nullptr, "flopscope was built without the CUDA toolkit, so CUPTI tracing is unavailable"};
}

}  // namespace flopscope::gpu
