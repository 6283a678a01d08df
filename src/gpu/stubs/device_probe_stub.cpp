// Built when the CUDA toolkit is absent: the same symbols, reporting why there is no device.
#include "flopscope/device.h"

namespace flopscope {

CudaStatus probe_cuda() {
  CudaStatus status;
  status.reason = "flopscope was built without the CUDA toolkit";
  return status;
}

}  // namespace flopscope
